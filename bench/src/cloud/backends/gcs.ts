import { randomBytes } from "node:crypto"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { pipeline } from "node:stream/promises"
import { fileURLToPath } from "node:url"
import { Storage } from "@google-cloud/storage"
import { hoardPrefix, sdkMetadata } from "../backend.ts"
import type { BackendDefinition, RunningBackend, SdkTransfer } from "../backend.ts"
import { startDaemon } from "../daemon.ts"
import { countingSink, payloadStream } from "../payload.ts"

/** The GCS package's launcher: the firebase-tools Storage emulator's HTTP server, without Java. */
const launcher = fileURLToPath(new URL("../../../../packages/storage-gcs/test/emulator/gcs-emulator.mjs", import.meta.url))

let warningFilterInstalled = false

/**
 * In SDK 8.4, every download of more than a few MB makes teeny-request's
 * internal PassThrough print a MaxListenersExceededWarning (see
 * packages/storage-gcs/README.md), dozens per run. Node's default printer is
 * replaced by one that drops exactly that warning and prints every other.
 */
const dropTeenyRequestListenerWarnings = (): void => {
  if (warningFilterInstalled) return
  warningFilterInstalled = true
  const printers = process.listeners("warning")
  process.removeAllListeners("warning")
  process.on("warning", (warning) => {
    if (warning.name === "MaxListenersExceededWarning" && warning.message.includes("[PassThrough]")) return
    for (const print of printers) print(warning)
  })
}

/**
 * The SDK path: `createWriteStream` (a resumable session, then one streamed
 * PUT, as the adapter sends) without client-side hashing (the adapter sends
 * none), and `createReadStream` with the SDK's default validation.
 */
const gcsSdk = (host: string, bucketName: string): SdkTransfer => {
  dropTeenyRequestListenerWarnings()
  const storage = new Storage({ apiEndpoint: host, projectId: "demo-hoard" })
  const bucket = storage.bucket(bucketName)
  return {
    upload: (key, size) =>
      pipeline(
        payloadStream(size),
        bucket.file(key).createWriteStream({
          resumable: true,
          validation: false,
          metadata: { contentType: "application/octet-stream", metadata: sdkMetadata(size) }
        })
      ),
    download: async (key) => {
      const { sink, received } = countingSink()
      await pipeline(bucket.file(key).createReadStream(), sink)
      return received()
    },
    close: async () => undefined
  }
}

export const gcsBackend: BackendDefinition = {
  id: "gcs",
  label: "GCS (firebase-tools emulator)",
  unavailable: () => undefined,
  start: async (workDirectory): Promise<RunningBackend> => {
    // The emulator keeps its blobs under $TMPDIR/firebase/storage: a directory of the run's own.
    const dataDirectory = join(workDirectory, "gcs-emulator")
    mkdirSync(dataDirectory, { recursive: true })
    const emulator = await startDaemon({
      name: "the GCS emulator",
      args: [launcher, "0"],
      env: { ...process.env, TMPDIR: dataDirectory },
      readyPattern: /GCS_EMULATOR_READY (\S+)/u
    })
    const host = emulator.ready[1]!
    const bucket = `hoard-bench-${randomBytes(4).toString("hex")}`
    const sdk = gcsSdk(host, bucket)
    try {
      // The emulator creates a bucket on its first use; listing it is that use.
      await new Storage({ apiEndpoint: host, projectId: "demo-hoard" }).bucket(bucket).getFiles({ maxResults: 1 })
    } catch (error) {
      await emulator.stop()
      throw error
    }
    return {
      storageUrl: `gs://${bucket}/${hoardPrefix}`,
      hoardEnv: { STORAGE_EMULATOR_HOST: host },
      sdkDescription: "createWriteStream (resumable, validation off) / createReadStream (default validation)",
      sdk,
      emulatorPids: () => [emulator.pid],
      stop: async () => {
        await sdk.close()
        await emulator.stop()
      }
    }
  }
}
