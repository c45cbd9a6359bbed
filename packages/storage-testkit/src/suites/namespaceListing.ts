import { assert } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { Namespace } from "@hoard/core"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { chunked, failingAfter, randomBytes, randomHash, randomNamespace } from "../helpers.ts"
import { BodyFailed, fullMetadata, putBytes, slowTestTimeout, testTimeout } from "./fixtures.ts"
import type { StorageIt, SuiteOptions } from "./fixtures.ts"

/**
 * How often each namespace `storage.namespaces` yields. The storage is shared
 * with other tests, so it lists theirs too: only the ones a test made are
 * checked by name, but no namespace may appear twice.
 */
const namespaceCounts = Effect.gen(function*() {
  const storage = yield* ArtifactStorage
  const counts = new Map<Namespace, number>()
  yield* Stream.runForEach(storage.namespaces, (namespace) =>
    Effect.sync(() => {
      counts.set(namespace, (counts.get(namespace) ?? 0) + 1)
    }))
  const repeated = [...counts].filter(([, count]) => count > 1).map(([namespace, count]) => `${namespace} (${count}×)`)
  assert.deepStrictEqual(repeated, [], "namespaces yields each namespace once")
  return counts
})

const assertListed = (counts: ReadonlyMap<Namespace, number>, namespaces: ReadonlyArray<Namespace>) => {
  const missing = namespaces.filter((namespace) => counts.get(namespace) !== 1)
  assert.deepStrictEqual(missing, [], "every namespace holding an artifact is listed exactly once")
}

const assertNotListed = (counts: ReadonlyMap<Namespace, number>, namespace: Namespace, why: string) => {
  assert.isFalse(counts.has(namespace), `${namespace} is not listed: ${why}`)
}

/** `storage.namespaces`: every namespace holding an artifact, each once, none without one. */
export const namespaceListingTests = (it: StorageIt, options: SuiteOptions): void => {
  it.effect("namespaces lists every namespace holding an artifact, each exactly once", () =>
    Effect.gen(function*() {
      const namespaces = [randomNamespace(), randomNamespace(), randomNamespace()]
      for (const [i, namespace] of namespaces.entries()) {
        // Several artifacts (in different shards, for backends that shard by hash) still make one namespace.
        for (const prefix of ["aa", "b0", "ff"].slice(0, i + 1)) {
          yield* putBytes({ namespace, hash: randomHash(prefix) }, randomBytes(32), fullMetadata(`${namespace}-${prefix}`))
        }
      }
      const counts = yield* namespaceCounts
      assertListed(counts, namespaces)
      assertNotListed(counts, randomNamespace(), "nothing was ever stored in it")
    }), testTimeout)

  it.effect("a namespace whose only artifact was deleted is not listed; its neighbour still is", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const emptied = { namespace: randomNamespace(), hash: randomHash() }
      const kept = { namespace: randomNamespace(), hash: randomHash() }
      const stillHolding = randomNamespace()
      const deletedThere = { namespace: stillHolding, hash: randomHash("aa") }
      yield* putBytes(emptied, randomBytes(100), fullMetadata("emptied"))
      yield* putBytes(kept, randomBytes(100), fullMetadata("kept"))
      yield* putBytes(deletedThere, randomBytes(100), fullMetadata("deleted there"))
      yield* putBytes({ namespace: stillHolding, hash: randomHash("b0") }, randomBytes(100), fullMetadata("left there"))
      assertListed(yield* namespaceCounts, [emptied.namespace, kept.namespace, stillHolding])

      assert.isTrue(yield* storage.delete(emptied))
      assert.isTrue(yield* storage.delete(deletedThere))
      const counts = yield* namespaceCounts
      assertNotListed(counts, emptied.namespace, "its only artifact was deleted")
      assertListed(counts, [kept.namespace, stillHolding])
    }), testTimeout)

  it.effect("a namespace with only failed or in-flight uploads is not listed", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const failed = randomNamespace()
      const bytes = randomBytes(200_000)
      const failing = failingAfter(bytes, 100_000, new BodyFailed({ marker: "namespaces" }))
      yield* storage.put({ namespace: failed, hash: randomHash() }, failing, {
        size: bytes.byteLength,
        metadata: fullMetadata("failed")
      }).pipe(Effect.exit)
      yield* storage.put({ namespace: failed, hash: randomHash() }, chunked(bytes), {
        size: 1,
        metadata: fullMetadata("too long")
      }).pipe(Effect.exit)

      const inFlight = randomNamespace()
      const started = yield* Deferred.make<void>()
      const stalled = chunked(bytes).pipe(
        Stream.concat(Stream.fromEffectDrain(Deferred.succeed(started, undefined))),
        Stream.concat(Stream.never)
      )
      const upload = yield* storage.put({ namespace: inFlight, hash: randomHash() }, stalled, {
        size: bytes.byteLength * 2,
        metadata: fullMetadata("in flight")
      }).pipe(Effect.forkChild)
      yield* Deferred.await(started)
      yield* Effect.sleep("50 millis")

      const counts = yield* namespaceCounts.pipe(Effect.ensuring(Fiber.interrupt(upload)))
      assertNotListed(counts, failed, "its uploads failed")
      assertNotListed(counts, inFlight, "its only upload is still in flight")
    }), testTimeout)

  it.effect(`namespaces lists ${options.manyNamespaces} namespaces, more than one listing page`, () =>
    Effect.gen(function*() {
      const namespaces = Array.from({ length: options.manyNamespaces }, randomNamespace)
      yield* Effect.forEach(
        namespaces,
        (namespace) => putBytes({ namespace, hash: randomHash() }, randomBytes(16), fullMetadata(namespace)),
        { concurrency: 4, discard: true }
      )
      assertListed(yield* namespaceCounts, namespaces)
    }), slowTestTimeout)
}
