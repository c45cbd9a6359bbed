import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactKey } from "@hoard/core"
import { MemoryStorage } from "@hoard/storage-memory"
import { bytesOf, chunked, randomBytes, randomHash, randomNamespace } from "@hoard/storage-testkit"
import { Effect, Option, Stream } from "effect"

const put = (key: ArtifactKey, size: number) =>
  Effect.gen(function*() {
    const storage = yield* ArtifactStorage
    yield* storage.put(key, chunked(randomBytes(size), 1000), { size, metadata: { durationMs: 1 } })
  })

const isStored = (key: ArtifactKey) =>
  Effect.gen(function*() {
    const storage = yield* ArtifactStorage
    return Option.isSome(yield* storage.head(key))
  })

const keys = (n: number): Array<ArtifactKey> => {
  const namespace = randomNamespace()
  return Array.from({ length: n }, () => ({ namespace, hash: randomHash() }))
}

describe("MemoryStorage budget", () => {
  it.effect("evicts the least recently stored artifact to make room", () =>
    Effect.gen(function*() {
      const [a, b, c, d] = keys(4) as [ArtifactKey, ArtifactKey, ArtifactKey, ArtifactKey]
      yield* put(a, 4000)
      yield* put(b, 4000)
      yield* put(c, 2000)
      assert.deepStrictEqual([yield* isStored(a), yield* isStored(b), yield* isStored(c)], [true, true, true])
      yield* put(d, 3000)
      assert.deepStrictEqual(
        [yield* isStored(a), yield* isStored(b), yield* isStored(c), yield* isStored(d)],
        [false, true, true, true]
      )
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))

  it.effect("a get counts as use; a head does not", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const [a, b, c, d] = keys(4) as [ArtifactKey, ArtifactKey, ArtifactKey, ArtifactKey]
      yield* put(a, 3000)
      yield* put(b, 3000)
      yield* put(c, 3000)
      yield* storage.get(a)
      yield* storage.head(b)
      yield* put(d, 3000)
      assert.deepStrictEqual(
        [yield* isStored(a), yield* isStored(b), yield* isStored(c), yield* isStored(d)],
        [true, false, true, true]
      )
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))

  it.effect("evicts as many artifacts as needed, oldest first", () =>
    Effect.gen(function*() {
      const [a, b, c, big] = keys(4) as [ArtifactKey, ArtifactKey, ArtifactKey, ArtifactKey]
      yield* put(a, 3000)
      yield* put(b, 3000)
      yield* put(c, 3000)
      yield* put(big, 7000)
      assert.deepStrictEqual(
        [yield* isStored(a), yield* isStored(b), yield* isStored(c), yield* isStored(big)],
        [false, false, true, true]
      )
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))

  it.effect("overwriting an artifact frees its old bytes first", () =>
    Effect.gen(function*() {
      const [a, b] = keys(2) as [ArtifactKey, ArtifactKey]
      yield* put(a, 4000)
      yield* put(b, 5000)
      yield* put(b, 6000)
      assert.deepStrictEqual([yield* isStored(a), yield* isStored(b)], [true, true])
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))

  it.effect("an artifact exactly the size of the budget fits, alone", () =>
    Effect.gen(function*() {
      const [a, b] = keys(2) as [ArtifactKey, ArtifactKey]
      yield* put(a, 10)
      yield* put(b, 10_000)
      assert.deepStrictEqual([yield* isStored(a), yield* isStored(b)], [false, true])
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))

  it.effect("an artifact larger than the whole budget fails before its body is read", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const [a, b] = keys(2) as [ArtifactKey, ArtifactKey]
      yield* put(a, 5000)
      let pulled = false
      const body = Stream.fromEffect(Effect.sync(() => {
        pulled = true
        return randomBytes(10_001)
      }))
      const error = yield* Effect.flip(storage.put(b, body, { size: 10_001, metadata: { durationMs: 1 } }))
      assert.strictEqual(error._tag, "StorageError")
      assert.include(error.message, "larger than the whole memory budget")
      assert.isFalse(pulled, "the body was not read")
      assert.deepStrictEqual([yield* isStored(a), yield* isStored(b)], [true, false], "nothing was evicted")
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))

  it.effect("a failed put evicts nothing", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const [a, b] = keys(2) as [ArtifactKey, ArtifactKey]
      yield* put(a, 8000)
      yield* Effect.exit(storage.put(b, chunked(randomBytes(100)), { size: 9000, metadata: { durationMs: 1 } }))
      assert.deepStrictEqual([yield* isStored(a), yield* isStored(b)], [true, false])
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))

  it.effect("a namespace whose artifacts were all evicted is no longer listed", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const [a1, a2] = keys(2) as [ArtifactKey, ArtifactKey]
      const [b] = keys(1) as [ArtifactKey]
      yield* put(a1, 3000)
      yield* put(a2, 3000)
      yield* put(b, 3000)
      const before = yield* Stream.runCollect(storage.namespaces)
      assert.sameMembers([...before], [a1.namespace, b.namespace])
      yield* put(b, 9000)
      assert.deepStrictEqual([...(yield* Stream.runCollect(storage.namespaces))], [b.namespace])
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))

  it.effect("each build of the layer is a separate, empty store", () =>
    Effect.gen(function*() {
      const [a] = keys(1) as [ArtifactKey]
      yield* put(a, 10).pipe(Effect.provide(MemoryStorage.layer()))
      assert.isFalse(yield* isStored(a).pipe(Effect.provide(MemoryStorage.layer())))
    }))

  it.effect("the bytes returned by get are those stored, even after the artifact is evicted", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const [a, b] = keys(2) as [ArtifactKey, ArtifactKey]
      const bytes = randomBytes(6000)
      yield* storage.put(a, chunked(bytes, 700), { size: bytes.byteLength, metadata: { durationMs: 1 } })
      const artifact = Option.getOrThrow(yield* storage.get(a))
      yield* put(b, 6000)
      assert.isFalse(yield* isStored(a))
      assert.deepStrictEqual(yield* bytesOf(artifact.body), bytes)
    }).pipe(Effect.provide(MemoryStorage.layer({ maxBytes: 10_000 }))))
})
