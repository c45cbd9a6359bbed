import { randomBytes } from "node:crypto"
import { startHoardServer } from "@hoard/transport-node-http"
import { put, replicaSuite, runHoardCli, sha256 } from "@hoard/transport-testkit"
import { describe, expect, inject, it } from "vitest"
import { GcsStorage } from "../src/index.ts"

const emulatorHost = inject("gcsEmulatorHost")
const cli = new URL("../../cli/src/bin.ts", import.meta.url)

replicaSuite("gcs", async (options) => {
  const server = await startHoardServer({ ...options, port: 0 })
  return { url: server.url, close: server.close }
}, () => GcsStorage.layer({ bucket: "hoard-replicas", prefix: "replicas", emulatorHost }))

describe("hoard serve --storage gs://", () => {
  it("serves uploads and downloads from the bucket", async () => {
    const run = runHoardCli(cli, ["--port", "0", "--token", "gcs-token", "--storage", "gs://hoard-cli/cache"], {
      STORAGE_EMULATOR_HOST: emulatorHost,
      GOOGLE_CLOUD_PROJECT: "demo-test"
    })
    const server = await run.server
    const body = randomBytes(300_000)
    const url = `${server.url}/v8/artifacts/abcdef?slug=team`
    const headers = { authorization: "Bearer gcs-token" }
    expect((await put(url, body, headers)).status).toBe(202)
    const response = await fetch(url, { headers })
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(body))
    await server.close()
    expect((await run.exited).code).toBe(0)
  })

  it("refuses a malformed storage URL, saying why", async () => {
    const run = runHoardCli(cli, ["--port", "0", "--token", "t", "--storage", "gs://hoard-cli/cache?colour=blue"], {
      STORAGE_EMULATOR_HOST: emulatorHost
    })
    const { code, output } = await run.exited
    expect(code).toBe(1)
    expect(output).toMatch(/unknown option "colour"/)
  })
})
