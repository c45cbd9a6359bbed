import { fileURLToPath } from "node:url"
import type { BackendDefinition, RunningBackend } from "../backend.ts"
import { startDaemon } from "../daemon.ts"
import { s3RunningBackend } from "./s3Sdk.ts"

/** The S3 package's fauxqs entry (in memory; it binds 0.0.0.0, only loopback traffic is sent to it). */
const fauxqsServer = fileURLToPath(new URL("../../../../packages/storage-s3/test/support/fauxqsServer.ts", import.meta.url))

/** fauxqs accepts the SDK's default checksums. */
const checksums = "WHEN_SUPPORTED"

export const fauxqsBackend: BackendDefinition = {
  id: "s3-fauxqs",
  label: "S3 (fauxqs)",
  unavailable: () => undefined,
  start: async (): Promise<RunningBackend> => {
    const fauxqs = await startDaemon({
      name: "fauxqs",
      args: [fauxqsServer, "0"],
      env: { ...process.env, FAUXQS_LOGGER: "false" },
      readyPattern: /listening (\d+)/u
    })
    return s3RunningBackend({
      endpoint: `http://127.0.0.1:${fauxqs.ready[1]}`,
      checksums,
      stopServer: () => fauxqs.stop(),
      emulatorPids: () => [fauxqs.pid]
    })
  }
}
