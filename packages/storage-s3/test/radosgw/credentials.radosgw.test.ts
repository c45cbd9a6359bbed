import { assert, describe, it } from "@effect/vitest"
import { S3Storage } from "@hoard/storage-s3"
import { Effect, Exit, Layer, Option } from "effect"
import { inject } from "vitest"
import { createBucket, randomBucketName, testCredentials } from "../support/buckets.ts"
import { radosgwClientConfig } from "../support/TestBucket.ts"

const endpoint = inject("radosgwEndpoint")

const startupError = (options: S3Storage.S3StorageOptions) =>
  Effect.gen(function*() {
    const exit = yield* Layer.build(S3Storage.layer(options)).pipe(Effect.scoped, Effect.exit)
    assert.isTrue(Exit.isFailure(exit), "building the storage should fail")
    const error = Exit.isFailure(exit) ? Exit.findErrorOption(exit).pipe(Option.getOrUndefined) : undefined
    assert.strictEqual(error?._tag, "StorageError")
    return error?.message ?? ""
  })

// fauxqs accepts any credentials; radosgw checks SigV4 signatures like S3 does.
describe("S3 storage on Ceph radosgw: credentials", () => {
  const bucket = randomBucketName("credentials")

  it.effect("a wrong secret key fails at startup with a clear message", () =>
    Effect.gen(function*() {
      yield* Effect.promise(() => createBucket(endpoint, bucket, radosgwClientConfig))
      const message = yield* startupError({
        bucket,
        endpoint,
        clientConfig: radosgwClientConfig,
        credentials: { accessKeyId: testCredentials.accessKeyId, secretAccessKey: "not-the-secret" }
      })
      assert.match(message, new RegExp(`^S3 storage is not ready: S3 refused the credentials or the request is not allowed on bucket "${bucket}" \\(.*HTTP 403\\)`, "u"))
    }))

  it.effect("an unknown access key fails at startup with a clear message", () =>
    Effect.gen(function*() {
      const message = yield* startupError({
        bucket,
        endpoint,
        clientConfig: radosgwClientConfig,
        credentials: { accessKeyId: "NOSUCHKEY", secretAccessKey: "whatever" }
      })
      assert.match(message, /S3 refused the credentials .*HTTP 403/u)
    }))

  it.effect("the right keys pass the check, and a missing bucket is named", () =>
    Effect.gen(function*() {
      yield* S3Storage.make({ bucket, endpoint, clientConfig: radosgwClientConfig, credentials: testCredentials })
      const message = yield* startupError({
        bucket: "hoard-missing-bucket",
        endpoint,
        clientConfig: radosgwClientConfig,
        credentials: testCredentials
      })
      assert.strictEqual(message, `S3 storage is not ready: the bucket "hoard-missing-bucket" does not exist at ${endpoint}`)
    }).pipe(Effect.scoped))
})
