import { assert } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import { Effect, Option, Stream } from "effect"
import { digestOf, randomBytes, randomHash, randomNamespace, sha256 } from "../helpers.ts"
import {
  assertCreatedNow,
  expectMissing,
  expectStored,
  fullMetadata,
  putBytes,
  slowTestTimeout,
  testTimeout
} from "./fixtures.ts"
import type { StorageIt, SuiteOptions } from "./fixtures.ts"

/** Storing and reading back: bytes, size, metadata, misses, edge sizes, overwrite, readiness. */
export const roundTripTests = (it: StorageIt, options: SuiteOptions): void => {
  it.effect("put then get returns the same bytes, size and metadata; head agrees", () =>
    Effect.gen(function*() {
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(100_000)
      const metadata = fullMetadata("round-trip")
      const before = Date.now()
      yield* putBytes(key, bytes, metadata)
      const after = Date.now()
      const info = yield* expectStored(key, bytes, metadata)
      assertCreatedNow(info, before, after)
    }), testTimeout)

  it.effect("metadata with only durationMs round-trips without extra fields", () =>
    Effect.gen(function*() {
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(10)
      yield* putBytes(key, bytes, { durationMs: 0 })
      yield* expectStored(key, bytes, { durationMs: 0 })
    }), testTimeout)

  it.effect("get and head of an absent key are misses, not errors", () =>
    Effect.gen(function*() {
      const namespace = randomNamespace()
      yield* expectMissing({ namespace, hash: randomHash() })
      yield* putBytes({ namespace, hash: randomHash() }, randomBytes(10), fullMetadata("other"))
      yield* expectMissing({ namespace, hash: randomHash() })
    }), testTimeout)

  it.effect("a 0-byte artifact round-trips", () =>
    Effect.gen(function*() {
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const storage = yield* ArtifactStorage
      yield* storage.put(key, Stream.empty, { size: 0, metadata: fullMetadata("empty") })
      yield* expectStored(key, new Uint8Array(0), fullMetadata("empty"))
    }), testTimeout)

  it.effect(`a large artifact (${options.largeArtifactBytes} bytes in 64 KiB chunks) round-trips byte-identical`, () =>
    Effect.gen(function*() {
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(options.largeArtifactBytes)
      yield* putBytes(key, bytes, fullMetadata("large"))
      const storage = yield* ArtifactStorage
      const artifact = Option.getOrThrow(yield* storage.get(key))
      assert.strictEqual(artifact.info.size, bytes.byteLength)
      const read = yield* digestOf(artifact.body)
      assert.strictEqual(read.size, bytes.byteLength)
      assert.strictEqual(read.sha256, sha256(bytes))
    }), slowTestTimeout)

  it.effect("overwriting replaces both the bytes and the metadata", () =>
    Effect.gen(function*() {
      const key = { namespace: randomNamespace(), hash: randomHash() }
      yield* putBytes(key, randomBytes(50_000), fullMetadata("first", 10))
      const second = randomBytes(20_000)
      const secondMetadata = { durationMs: 20, tag: "second" }
      yield* putBytes(key, second, secondMetadata)
      yield* expectStored(key, second, secondMetadata)
    }), testTimeout)

  it.effect("check succeeds", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      yield* storage.check
    }), testTimeout)
}
