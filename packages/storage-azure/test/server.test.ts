import { AzureStorage } from "@hoard/storage-azure"
import { startHoardServer } from "@hoard/transport-node-http"
import { expectCliKeepsActivity, expectCliServesStorage, replicaSuite, runHoardCli } from "@hoard/transport-testkit"
import { describe, expect, inject, it } from "vitest"

const connectionString = inject("azuriteConnectionString")
const cli = new URL("../../cli/src/bin.ts", import.meta.url)
/** Each test starts the CLI (once or twice), which takes seconds on a loaded machine. */
const cliTimeout = 60_000

replicaSuite("Azure on Azurite", async (options) => {
  const server = await startHoardServer({ ...options, port: 0 })
  return { url: server.url, close: server.close }
}, () => AzureStorage.layer({ container: "replicas", credentials: { connectionString }, createContainer: true, blockSize: 128 * 1024 }))

describe("hoard serve --storage azure://", () => {
  it("serves uploads and downloads from the container", () => expectCliServesStorage(cli, "azure://hoard-cli/cache?createContainer=true", { AZURE_STORAGE_CONNECTION_STRING: connectionString }), cliTimeout)

  it("keeps the activity record across a restart", () => expectCliKeepsActivity(cli, "azure://hoard-cli-activity/cache?createContainer=true", { AZURE_STORAGE_CONNECTION_STRING: connectionString }), cliTimeout)

  it("refuses to start on a container that does not exist, saying why", async () => {
    const run = runHoardCli(cli, ["--port", "0", "--token", "t", "--storage", "azure://no-such-container/cache"], {
      AZURE_STORAGE_CONNECTION_STRING: connectionString
    })
    const { code, output } = await run.exited
    expect(code).toBe(1)
    expect(output).toMatch(/no-such-container/)
  }, cliTimeout)
})
