import { randomBytes } from "node:crypto"
import { pipeline } from "node:stream/promises"
import { fileURLToPath } from "node:url"
import { BlobServiceClient } from "@azure/storage-blob"
import { connectionStringFor } from "../../../../packages/storage-azure/test/azurite.ts"
import { hoardPrefix, sdkMetadata } from "../backend.ts"
import type { BackendDefinition, RunningBackend, SdkTransfer } from "../backend.ts"
import { startDaemon } from "../daemon.ts"
import { countingSink, payloadBuffer } from "../payload.ts"
import { MiB } from "../../units.ts"

/** Azurite's blob service, from the Azure package's devDependencies (as its test harness starts it). */
const azuriteMain = fileURLToPath(
  new URL("../../../../packages/storage-azure/node_modules/azurite/dist/src/blob/main.js", import.meta.url)
)

/** The adapter's defaults: one Put Blob up to 4 MiB, else 4 MiB blocks, 4 in flight, then Put Block List. */
const blockSize = 4 * MiB
const maxConcurrency = 4

/**
 * Azurite frees overwritten blobs only in a sweep every 10 minutes, so every
 * upload of the run stays in memory: its in-memory store gets a budget that
 * holds them all (the package's tests use 1024 MB, too small for this).
 */
const extentMemoryLimitMB = (): number => Number(process.env["BENCH_AZURITE_MEMORY_MB"] ?? "6144")

/**
 * The SDK path: `uploadData` with the adapter's block size and concurrency,
 * so that it sends the same requests (a single Put Blob up to 4 MiB, else
 * staged blocks and a Put Block List), and `download`.
 */
const azureSdk = (connectionString: string, container: string): SdkTransfer => {
  const client = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container)
  return {
    upload: async (key, size) => {
      await client.getBlockBlobClient(key).uploadData(payloadBuffer(size), {
        blockSize,
        maxSingleShotSize: blockSize,
        concurrency: maxConcurrency,
        blobHTTPHeaders: { blobContentType: "application/octet-stream" },
        metadata: { hoardbench: JSON.stringify(sdkMetadata(size)) }
      })
    },
    download: async (key) => {
      const response = await client.getBlobClient(key).download(0)
      if (response.readableStreamBody === undefined) throw new Error(`download of ${key} has no body`)
      const { sink, received } = countingSink()
      await pipeline(response.readableStreamBody, sink)
      return received()
    },
    close: async () => undefined
  }
}

export const azureBackend: BackendDefinition = {
  id: "azure",
  label: "Azure (Azurite)",
  unavailable: () => undefined,
  start: async (): Promise<RunningBackend> => {
    const azurite = await startDaemon({
      name: "Azurite",
      args: [
        azuriteMain,
        "--blobHost", "127.0.0.1",
        "--blobPort", "0",
        "--inMemoryPersistence",
        "--extentMemoryLimit", String(extentMemoryLimitMB()),
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--silent"
      ],
      readyPattern: /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/u
    })
    const connectionString = connectionStringFor(Number(azurite.ready[1]))
    const container = `hoard-bench-${randomBytes(4).toString("hex")}`
    try {
      await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).create()
    } catch (error) {
      await azurite.stop("SIGKILL")
      throw error
    }
    const sdk = azureSdk(connectionString, container)
    return {
      storageUrl: `azure://${container}/${hoardPrefix}`,
      hoardEnv: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
      sdkDescription: `uploadData (blockSize and maxSingleShotSize 4 MiB, concurrency 4) / download`,
      sdk,
      emulatorPids: () => [azurite.pid],
      stop: async () => {
        await sdk.close()
        // In memory: nothing to save. SIGTERM would wait for requests in flight.
        await azurite.stop("SIGKILL")
      }
    }
  }
}
