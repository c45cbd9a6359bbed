import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { createBucket } from "../../../../packages/storage-s3/test/support/buckets.ts"
import { hoardPrefix } from "../backend.ts"
import type { BackendDefinition, RunningBackend } from "../backend.ts"
import { startDaemon } from "../daemon.ts"
import { s3HoardEnv, s3Sdk, s3SdkDescription, s3StorageUrl } from "./s3Sdk.ts"

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
    const endpoint = `http://127.0.0.1:${fauxqs.ready[1]}`
    const bucket = `hoard-bench-${randomBytes(4).toString("hex")}`
    try {
      await createBucket(endpoint, bucket)
    } catch (error) {
      await fauxqs.stop()
      throw error
    }
    const sdk = s3Sdk(endpoint, bucket, checksums)
    return {
      storageUrl: s3StorageUrl(bucket, hoardPrefix, endpoint),
      hoardEnv: s3HoardEnv(checksums),
      sdkDescription: s3SdkDescription(checksums),
      sdk,
      emulatorPids: () => [fauxqs.pid],
      stop: async () => {
        await sdk.close()
        await fauxqs.stop()
      }
    }
  }
}
