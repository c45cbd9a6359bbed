// Starts the firebase-tools Cloud Storage emulator's HTTP server in-process, without
// Java: only its GCS JSON API routes, which never consult security rules.
//
//   node gcs-emulator.mjs [port]     (port 0 or omitted: a free port)
//
// Prints `GCS_EMULATOR_READY http://127.0.0.1:<port>` once it accepts requests, and
// stops on SIGTERM or SIGINT. Blobs live under $TMPDIR/firebase/storage/blobs: give
// every instance its own TMPDIR. These are firebase-tools internals: the version is
// pinned exactly in package.json.
import { createServer } from "node:net"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)
const { StorageRulesRuntime } = require("firebase-tools/lib/emulator/storage/rules/runtime.js")
const { StorageEmulator } = require("firebase-tools/lib/emulator/storage/index.js")
const { EmulatorRegistry } = require("firebase-tools/lib/emulator/registry.js")

// The rules runtime is a downloaded jar run by Java; the GCS API routes never use it.
StorageRulesRuntime.prototype.start = async () => {}
StorageRulesRuntime.prototype.stop = async () => {}

const host = "127.0.0.1"

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, host, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const requested = Number(process.argv[2] ?? 0)
const port = requested > 0 ? requested : await freePort()
const emulator = new StorageEmulator({ projectId: "demo-hoard", host, port, rules: [], auto_download: false })
await EmulatorRegistry.start(emulator)
process.stdout.write(`GCS_EMULATOR_READY http://${host}:${port}\n`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  try {
    await emulator.stop()
  } finally {
    process.exit(0)
  }
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
