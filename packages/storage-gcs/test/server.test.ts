import { startHoardServer } from "@hoard/transport-node-http"
import { expectCliServesStorage, replicaSuite, runHoardCli } from "@hoard/transport-testkit"
import { describe, expect, inject, it } from "vitest"
import { GcsStorage } from "../src/index.ts"

const emulatorHost = inject("gcsEmulatorHost")
const cli = new URL("../../cli/src/bin.ts", import.meta.url)
/** Each test starts the CLI, which takes seconds on a loaded machine. */
const cliTimeout = 60_000

replicaSuite("gcs", async (options) => {
  const server = await startHoardServer({ ...options, port: 0 })
  return { url: server.url, close: server.close }
}, () => GcsStorage.layer({ bucket: "hoard-replicas", prefix: "replicas", emulatorHost }))

describe("hoard serve --storage gs://", () => {
  it("serves uploads and downloads from the bucket", () => expectCliServesStorage(cli, "gs://hoard-cli/cache", { STORAGE_EMULATOR_HOST: emulatorHost, GOOGLE_CLOUD_PROJECT: "demo-test" }), cliTimeout)

  it("refuses a malformed storage URL, saying why", async () => {
    const run = runHoardCli(cli, ["--port", "0", "--token", "t", "--storage", "gs://hoard-cli/cache?colour=blue"], {
      STORAGE_EMULATOR_HOST: emulatorHost
    })
    const { code, output } = await run.exited
    expect(code).toBe(1)
    expect(output).toMatch(/unknown option "colour"/)
  }, cliTimeout)
})
