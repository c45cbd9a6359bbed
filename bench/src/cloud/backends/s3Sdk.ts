import { randomBytes } from "node:crypto"
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { Upload } from "@aws-sdk/lib-storage"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { createBucket, testCredentials } from "../../../../packages/storage-s3/test/support/buckets.ts"
import { hoardPrefix, sdkMetadata } from "../backend.ts"
import type { RunningBackend, SdkTransfer } from "../backend.ts"
import { countingSink, payloadStream } from "../payload.ts"
import { MiB } from "../../units.ts"

export type ChecksumMode = "WHEN_SUPPORTED" | "WHEN_REQUIRED"

/** The adapter's defaults: 5 MiB parts, 4 in flight. */
const partSize = 5 * MiB
const queueSize = 4

/** The settings both Hoard and the SDK path use, so that both compute the same checksums. */
export const s3HoardEnv = (checksums: ChecksumMode): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
  AWS_REQUEST_CHECKSUM_CALCULATION: checksums,
  AWS_RESPONSE_CHECKSUM_VALIDATION: checksums
})

export const s3StorageUrl = (bucket: string, prefix: string, endpoint: string): string =>
  `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1`

export const s3Client = (endpoint: string, checksums: ChecksumMode): S3Client =>
  new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: testCredentials,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums
  })

/**
 * The SDK path: lib-storage's `Upload` of a stream with the adapter's part
 * size and queue size (one PutObject up to 5 MiB, else a multipart upload),
 * and one `GetObject`.
 */
export const s3Sdk = (endpoint: string, bucket: string, checksums: ChecksumMode): SdkTransfer => {
  const client = s3Client(endpoint, checksums)
  return {
    upload: async (key, size) => {
      await new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: key,
          Body: payloadStream(size),
          Metadata: sdkMetadata(size),
          ContentType: "application/octet-stream"
        },
        partSize,
        queueSize,
        leavePartsOnError: false
      }).done()
    },
    download: async (key) => {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      if (!(response.Body instanceof Readable)) throw new Error(`GetObject ${key} returned no Node stream`)
      const { sink, received } = countingSink()
      await pipeline(response.Body, sink)
      return received()
    },
    close: async () => client.destroy()
  }
}

export const s3SdkDescription = (checksums: ChecksumMode): string =>
  `lib-storage Upload (5 MiB parts, queue 4) / GetObject; checksums ${checksums}`

/**
 * The running-backend record both S3 servers share: a fresh bucket on
 * `endpoint`, Hoard's storage URL and env, and the SDK path. `stopServer`
 * runs if the bucket cannot be created, and on stop.
 */
export const s3RunningBackend = async (options: {
  readonly endpoint: string
  readonly checksums: ChecksumMode
  readonly stopServer: () => Promise<void>
  readonly emulatorPids: () => ReadonlyArray<number>
}): Promise<Omit<RunningBackend, "betweenRounds">> => {
  const { checksums, endpoint, stopServer } = options
  const bucket = `hoard-bench-${randomBytes(4).toString("hex")}`
  try {
    await createBucket(endpoint, bucket, { requestChecksumCalculation: checksums, responseChecksumValidation: checksums })
  } catch (error) {
    await stopServer().catch(() => undefined)
    throw error
  }
  const sdk = s3Sdk(endpoint, bucket, checksums)
  return {
    storageUrl: s3StorageUrl(bucket, hoardPrefix, endpoint),
    hoardEnv: s3HoardEnv(checksums),
    sdkDescription: s3SdkDescription(checksums),
    sdk,
    emulatorPids: options.emulatorPids,
    stop: async () => {
      await sdk.close()
      await stopServer()
    }
  }
}
