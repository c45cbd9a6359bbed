import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3"
import type { S3ClientConfig } from "@aws-sdk/client-s3"
import type { S3StorageOptions } from "@hoard/storage-s3"
import { Context, Effect, Layer } from "effect"
import { createBucket, randomBucketName, rawClient, testCredentials } from "./buckets.ts"
import { startFauxqs } from "./fauxqs.ts"

/** A fresh bucket on a real S3 server, and what the adapter tests need to inspect it. */
export interface TestBucketShape {
  readonly server: string
  readonly endpoint: string
  readonly bucket: string
  readonly clientConfig: S3ClientConfig
  /** Storage options for this bucket; `overrides` win. */
  readonly options: (overrides?: Partial<S3StorageOptions>) => S3StorageOptions
  /** Keys with a multipart upload that was neither completed nor aborted. */
  readonly openUploads: Effect.Effect<ReadonlyArray<string>>
}

export class TestBucket extends Context.Service<TestBucket, TestBucketShape>()("storage-s3/test/TestBucket") {}

const makeShape = (
  server: string,
  endpoint: string,
  bucket: string,
  clientConfig: S3ClientConfig,
  openUploads: Effect.Effect<ReadonlyArray<string>>
): TestBucketShape => ({
  server,
  endpoint,
  bucket,
  clientConfig,
  options: (overrides = {}) => ({ bucket, endpoint, credentials: testCredentials, clientConfig, ...overrides }),
  openUploads
})

/**
 * A fauxqs of this test file's own, storing objects in a temporary directory:
 * fauxqs has no ListMultipartUploads, but writes each open upload to
 * `<dir>/_multipart/<id>/.upload.json`.
 */
export const fauxqsBucket = (storageDir: string): Layer.Layer<TestBucket> =>
  Layer.effect(
    TestBucket,
    Effect.gen(function*() {
      const fauxqs = yield* Effect.acquireRelease(
        Effect.promise(() => startFauxqs({ storageDir })),
        (server) => Effect.promise(() => server.stop())
      )
      const bucket = randomBucketName("adapter")
      yield* Effect.promise(() => createBucket(fauxqs.endpoint, bucket))
      const openUploads = Effect.promise(async () => {
        const root = join(storageDir, "_multipart")
        const uploads = await readdir(root).catch(() => [])
        const keys: Array<string> = []
        for (const id of uploads) {
          const upload = await readFile(join(root, id, ".upload.json"), "utf8").then(
            (text) => JSON.parse(text) as { bucket: string; key: string },
            () => undefined
          )
          if (upload?.bucket === bucket) keys.push(upload.key)
        }
        return keys
      })
      return makeShape("fauxqs", fauxqs.endpoint, bucket, {}, openUploads)
    })
  )

/**
 * What the README recommends for Ceph: Pacific refuses the SDK's default
 * aws-chunked streaming uploads (411). The adapter itself only sends buffered
 * parts, so it works with the SDK defaults too; the suites run both ways.
 */
export const radosgwClientConfig: S3ClientConfig = {
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED"
}

/** A fresh bucket on the run's radosgw; `clientConfig` is used by the storage and the raw client alike. */
export const radosgwBucket = (endpoint: string, clientConfig: S3ClientConfig): Layer.Layer<TestBucket> =>
  Layer.effect(
    TestBucket,
    Effect.gen(function*() {
      const bucket = randomBucketName("adapter")
      yield* Effect.promise(() => createBucket(endpoint, bucket, clientConfig))
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => rawClient(endpoint, clientConfig)),
        (client) => Effect.sync(() => client.destroy())
      )
      const openUploads = Effect.promise(async () => {
        const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))
        return (listed.Uploads ?? []).flatMap((upload) => upload.Key === undefined ? [] : [upload.Key])
      })
      return makeShape("radosgw", endpoint, bucket, clientConfig, openUploads)
    })
  )
