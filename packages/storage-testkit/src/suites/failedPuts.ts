import { assert } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactKey } from "@hoard/core"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { chunked, failingAfter, randomBytes, randomHash, randomNamespace } from "../helpers.ts"
import {
  assertStorageError,
  BodyFailed,
  expectMissing,
  expectStored,
  failureOf,
  fullMetadata,
  putBytes,
  testTimeout
} from "./fixtures.ts"
import type { StorageIt } from "./fixtures.ts"

/** A body that yields `bytes`, completes `started`, then never ends (a client that stalls). */
const stallingBody = (bytes: Uint8Array, started: Deferred.Deferred<void>): Stream.Stream<Uint8Array> =>
  chunked(bytes).pipe(
    Stream.concat(Stream.fromEffectDrain(Deferred.succeed(started, undefined))),
    Stream.concat(Stream.never)
  )

/** Interrupts a put once it has consumed some bytes of a body that then stalls. */
const interruptMidStream = Effect.fnUntraced(function*(key: ArtifactKey, declaredSize: number) {
  const storage = yield* ArtifactStorage
  const started = yield* Deferred.make<void>()
  const fiber = yield* storage.put(key, stallingBody(randomBytes(200_000), started), {
    size: declaredSize,
    metadata: fullMetadata("interrupted")
  }).pipe(Effect.forkChild)
  yield* Deferred.await(started)
  // Let the backend flush what it received before the interruption.
  yield* Effect.sleep("50 millis")
  yield* Fiber.interrupt(fiber)
})

/** Failed or interrupted uploads: nothing is stored, a previous version survives. */
export const failedPutTests = (it: StorageIt): void => {
  it.effect("a body failing mid-way fails put with that error and stores nothing", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(300_000)
      const exit = yield* storage.put(key, failingAfter(bytes, 150_000, new BodyFailed({ marker: "first" })), {
        size: bytes.byteLength,
        metadata: fullMetadata("failing")
      }).pipe(Effect.exit)
      const error = failureOf(exit)
      assert.instanceOf(error, BodyFailed, "put fails with the body's own error")
      assert.strictEqual((error as BodyFailed).marker, "first")
      yield* expectMissing(key)
    }), testTimeout)

  it.effect("a body failing mid-way leaves the previous version intact", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const previous = randomBytes(120_000)
      yield* putBytes(key, previous, fullMetadata("previous"))
      const bytes = randomBytes(300_000)
      const exit = yield* storage.put(key, failingAfter(bytes, 200_000, new BodyFailed({ marker: "second" })), {
        size: bytes.byteLength,
        metadata: fullMetadata("replacement")
      }).pipe(Effect.exit)
      assert.instanceOf(failureOf(exit), BodyFailed)
      yield* expectStored(key, previous, fullMetadata("previous"))
    }), testTimeout)

  it.effect("a body failing before its first byte stores nothing", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const exit = yield* storage.put(key, Stream.fail(new BodyFailed({ marker: "immediately" })), {
        size: 1000,
        metadata: fullMetadata("failing")
      }).pipe(Effect.exit)
      assert.instanceOf(failureOf(exit), BodyFailed)
      yield* expectMissing(key)
    }), testTimeout)

  it.effect("a put interrupted mid-stream stores nothing", () =>
    Effect.gen(function*() {
      const key = { namespace: randomNamespace(), hash: randomHash() }
      yield* interruptMidStream(key, 400_000)
      yield* expectMissing(key)
    }), testTimeout)

  it.effect("a put interrupted mid-stream leaves the previous version intact", () =>
    Effect.gen(function*() {
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const previous = randomBytes(80_000)
      yield* putBytes(key, previous, fullMetadata("previous"))
      yield* interruptMidStream(key, 400_000)
      yield* expectStored(key, previous, fullMetadata("previous"))
    }), testTimeout)

  it.effect("a put that times out on a stalled body stores nothing", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const started = yield* Deferred.make<void>()
      const exit = yield* storage.put(key, stallingBody(randomBytes(100_000), started), {
        size: 300_000,
        metadata: fullMetadata("timed-out")
      }).pipe(Effect.timeout("300 millis"), Effect.exit)
      assert.isTrue(exit._tag === "Failure", "the put should have timed out")
      yield* expectMissing(key)
    }), testTimeout)

  it.effect("a body shorter than options.size fails put with a StorageError and stores nothing", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = randomNamespace()
      const fresh = { namespace, hash: randomHash() }
      const bytes = randomBytes(100_000)
      const exit = yield* storage.put(fresh, chunked(bytes), { size: 100_001, metadata: fullMetadata("short") })
        .pipe(Effect.exit)
      assertStorageError(failureOf(exit), "put")
      yield* expectMissing(fresh)

      const existing = { namespace, hash: randomHash() }
      const previous = randomBytes(5_000)
      yield* putBytes(existing, previous, fullMetadata("previous"))
      const again = yield* storage.put(existing, chunked(bytes), { size: 150_000, metadata: fullMetadata("short") })
        .pipe(Effect.exit)
      assertStorageError(failureOf(again), "put")
      yield* expectStored(existing, previous, fullMetadata("previous"))
    }), testTimeout)

  it.effect("a body longer than options.size fails put with a StorageError and stores nothing", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = randomNamespace()
      const fresh = { namespace, hash: randomHash() }
      const bytes = randomBytes(100_000)
      const exit = yield* storage.put(fresh, chunked(bytes), { size: 99_999, metadata: fullMetadata("long") })
        .pipe(Effect.exit)
      assertStorageError(failureOf(exit), "put")
      yield* expectMissing(fresh)

      const zero = { namespace, hash: randomHash() }
      const zeroExit = yield* storage.put(zero, chunked(bytes.subarray(0, 1)), { size: 0, metadata: fullMetadata("long") })
        .pipe(Effect.exit)
      assertStorageError(failureOf(zeroExit), "put")
      yield* expectMissing(zero)

      const existing = { namespace, hash: randomHash() }
      const previous = randomBytes(5_000)
      yield* putBytes(existing, previous, fullMetadata("previous"))
      const again = yield* storage.put(existing, chunked(bytes), { size: 40_000, metadata: fullMetadata("long") })
        .pipe(Effect.exit)
      assertStorageError(failureOf(again), "put")
      yield* expectStored(existing, previous, fullMetadata("previous"))
    }), testTimeout)
}
