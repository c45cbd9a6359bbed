import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import { bytesOf, chunked, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Effect, Exit, Layer, Option } from "effect"
import { GcsStorage } from "../src/index.ts"
import { emulatorHost, freshBucket, rawClient } from "./support/emulator.ts"

const parseError = (url: string, env: Record<string, string | undefined> = {}) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(GcsStorage.optionsFromUrl(url, env))
    assert.isTrue(Exit.isFailure(exit), `${url} should be rejected`)
    const error = Exit.findErrorOption(exit).pipe(Option.getOrThrow)
    assert.strictEqual(error._tag, "StorageError")
    return error.message
  })

describe("GcsStorage.optionsFromUrl", () => {
  it.effect("reads the bucket, the prefix and the options of a gs:// URL", () =>
    Effect.gen(function*() {
      const options = yield* GcsStorage.optionsFromUrl(
        "gs://my-cache/turbo/team%20a/?projectId=acme&keyFilename=/etc/hoard/key.json&requestTimeoutMs=5000&maxRetries=0&retryTimeoutMs=3000",
        {}
      )
      assert.deepStrictEqual(options, {
        bucket: "my-cache",
        prefix: "turbo/team a",
        projectId: "acme",
        keyFilename: "/etc/hoard/key.json",
        requestTimeoutMs: 5000,
        retry: { maxRetries: 0, totalTimeoutMs: 3000 }
      })
    }))

  it.effect("takes the emulator and the project from the environment; the URL's project wins", () =>
    Effect.gen(function*() {
      const env = { STORAGE_EMULATOR_HOST: "http://127.0.0.1:9199", GOOGLE_CLOUD_PROJECT: "from-env" }
      assert.deepStrictEqual(yield* GcsStorage.optionsFromUrl("gs://bucket-only", env), {
        bucket: "bucket-only",
        projectId: "from-env",
        emulatorHost: "http://127.0.0.1:9199"
      })
      assert.deepStrictEqual(yield* GcsStorage.optionsFromUrl("gs://b-1/?projectId=mine", { GCLOUD_PROJECT: "old" }), {
        bucket: "b-1",
        projectId: "mine"
      })
      assert.deepStrictEqual(yield* GcsStorage.optionsFromUrl("gs://b-2", { GCLOUD_PROJECT: "old", STORAGE_EMULATOR_HOST: "" }), {
        bucket: "b-2",
        projectId: "old"
      })
    }))

  it.effect("rejects other schemes, unknown options and malformed values with the reason", () =>
    Effect.gen(function*() {
      assert.match(yield* parseError("s3://bucket/prefix"), /expected gs:\/\/<bucket>/u)
      assert.match(yield* parseError("gs://"), /expected gs:\/\/<bucket>/u)
      assert.match(yield* parseError("gs://bucket?region=eu"), /unknown option "region"/u)
      assert.match(yield* parseError("gs://bucket?maxRetries=-1"), /maxRetries must be a non-negative integer/u)
      assert.match(yield* parseError("gs://bucket/%E0%A4%A"), /not validly percent-encoded/u)
    }))
})

describe("GcsStorage.layerFromUrl", () => {
  it.live("serves the storage of a gs:// URL, with the emulator taken from the environment", () =>
    Effect.gen(function*() {
      const bucket = freshBucket()
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(1_000)
      const read = yield* Effect.gen(function*() {
        const storage = yield* ArtifactStorage
        yield* storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata: { durationMs: 3 } })
        return yield* bytesOf(Option.getOrThrow(yield* storage.get(key)).body)
      }).pipe(Effect.provide(GcsStorage.layerFromUrl(`gs://${bucket}/from/url`, { STORAGE_EMULATOR_HOST: emulatorHost() })))
      assert.strictEqual(sha256(read), sha256(bytes))
      const [exists] = yield* Effect.promise(() => rawClient().bucket(bucket).file(`from/url/${key.namespace}/${key.hash}`).exists())
      assert.isTrue(exists)
    }))

  it.live("fails to build with the URL's problem", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(GcsStorage.layerFromUrl("gs://UPPER", {}))))
      const error = Exit.findErrorOption(exit).pipe(Option.getOrThrow)
      assert.match(error.message, /invalid GCS bucket name "UPPER"/u)
    }))
})
