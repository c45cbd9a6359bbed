import { assert } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactHash, ListedArtifact, Namespace } from "@hoard/core"
import { Deferred, Effect, Fiber, Option, Stream } from "effect"
import { chunked, failingAfter, randomBytes, randomHash, randomNamespace } from "../helpers.ts"
import { BodyFailed, fullMetadata, putBytes, testTimeout } from "./fixtures.ts"
import type { StorageIt } from "./fixtures.ts"

const listed = (namespace: Namespace, hashPrefix?: string) =>
  Effect.gen(function*() {
    const storage = yield* ArtifactStorage
    const entries = yield* Stream.runCollect(
      storage.list(hashPrefix === undefined ? { namespace } : { namespace, hashPrefix })
    )
    return [...entries].sort((a, b) => a.key.hash.localeCompare(b.key.hash))
  })

const hashesOf = (entries: ReadonlyArray<ListedArtifact>): Array<string> => entries.map((entry) => entry.key.hash)

const sorted = (hashes: ReadonlyArray<ArtifactHash>): Array<string> => [...hashes].sort()

export const listingTests = (it: StorageIt): void => {
  it.effect("list returns exactly the namespace's artifacts with their info", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = randomNamespace()
      const other = randomNamespace()
      const hashes = [randomHash("aa"), randomHash("ab"), randomHash("b0")]
      for (const [i, hash] of hashes.entries()) {
        yield* putBytes({ namespace, hash }, randomBytes(100 * (i + 1)), fullMetadata(`listed-${i}`, i))
      }
      yield* putBytes({ namespace: other, hash: randomHash("aa") }, randomBytes(10), fullMetadata("elsewhere"))

      const entries = yield* listed(namespace)
      assert.deepStrictEqual(hashesOf(entries), sorted(hashes))
      for (const entry of entries) {
        assert.strictEqual(entry.key.namespace, namespace)
        const head = yield* storage.head(entry.key)
        assert.deepStrictEqual(Option.some(entry.info), head, `listed info of ${entry.key.hash} matches head`)
      }
      assert.strictEqual(entries.find((entry) => entry.key.hash === hashes[1])?.info.size, 200)
    }), testTimeout)

  it.effect("list honours hashPrefix", () =>
    Effect.gen(function*() {
      const namespace = randomNamespace()
      const aa = randomHash("aa")
      const ab = randomHash("ab")
      const b0 = randomHash("b0")
      for (const hash of [aa, ab, b0]) {
        yield* putBytes({ namespace, hash }, randomBytes(16), fullMetadata(hash))
      }
      assert.deepStrictEqual(hashesOf(yield* listed(namespace, "a")), sorted([aa, ab]))
      assert.deepStrictEqual(hashesOf(yield* listed(namespace, "ab")), [ab])
      assert.deepStrictEqual(hashesOf(yield* listed(namespace, aa)), [aa])
      assert.deepStrictEqual(hashesOf(yield* listed(namespace, "c")), [])
      assert.deepStrictEqual(hashesOf(yield* listed(namespace, "")), sorted([aa, ab, b0]))
    }), testTimeout)

  it.effect("stores, serves and lists other build tools' prefixed keys beside turbo hashes", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = randomNamespace()
      const turbo = randomHash("13")
      const nx = `nx-${turbo}` as ArtifactHash
      const cas = `bazel-cas-${randomHash("13")}` as ArtifactHash
      const bodies = new Map([[turbo, randomBytes(30)], [nx, randomBytes(40)], [cas, randomBytes(50)]])
      for (const [hash, body] of bodies) yield* putBytes({ namespace, hash }, body, fullMetadata(hash))
      for (const [hash, body] of bodies) {
        const found = yield* storage.get({ namespace, hash })
        assert.isTrue(Option.isSome(found), hash)
        assert.strictEqual(Option.getOrThrow(found).info.size, body.length, hash)
      }
      assert.deepStrictEqual(hashesOf(yield* listed(namespace)), sorted([turbo, nx, cas]))
      assert.deepStrictEqual(hashesOf(yield* listed(namespace, "nx-")), [nx])
      assert.deepStrictEqual(hashesOf(yield* listed(namespace, "ba")), [cas])
      assert.deepStrictEqual(hashesOf(yield* listed(namespace, "13")), [turbo])
    }), testTimeout)

  it.effect("list of an empty or unknown namespace is empty", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* listed(randomNamespace()), [])
    }), testTimeout)

  it.effect("list never shows failed, interrupted or deleted uploads", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = randomNamespace()
      const kept = randomHash()
      yield* putBytes({ namespace, hash: kept }, randomBytes(64), fullMetadata("kept"))

      const bytes = randomBytes(200_000)
      yield* storage.put({ namespace, hash: randomHash() }, failingAfter(bytes, 100_000, new BodyFailed({ marker: "list" })), {
        size: bytes.byteLength,
        metadata: fullMetadata("failed")
      }).pipe(Effect.exit)
      yield* storage.put({ namespace, hash: randomHash() }, chunked(bytes), { size: 1, metadata: fullMetadata("too long") })
        .pipe(Effect.exit)

      const started = yield* Deferred.make<void>()
      const stalled = chunked(bytes).pipe(
        Stream.concat(Stream.fromEffectDrain(Deferred.succeed(started, undefined))),
        Stream.concat(Stream.never)
      )
      const inFlight = yield* storage.put({ namespace, hash: randomHash() }, stalled, {
        size: bytes.byteLength * 2,
        metadata: fullMetadata("in flight")
      }).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(hashesOf(yield* listed(namespace)), [kept], "an upload in flight is not listed")
      yield* Fiber.interrupt(inFlight)

      const deleted = randomHash()
      yield* putBytes({ namespace, hash: deleted }, randomBytes(64), fullMetadata("deleted"))
      yield* storage.delete({ namespace, hash: deleted })

      assert.deepStrictEqual(hashesOf(yield* listed(namespace)), [kept])
    }), testTimeout)
}
