import { assert } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactKey } from "@hoard/core"
import { Effect, Exit, Option, Stream } from "effect"
import { randomBytes, randomHash, randomNamespace } from "../helpers.ts"
import { expectStored, fullMetadata, putBytes, testTimeout } from "./fixtures.ts"
import type { StorageIt } from "./fixtures.ts"

/** Damages the stored artifact at a key from outside the adapter, the way this backend can be damaged. */
export type Corruption = (key: ArtifactKey) => Effect.Effect<void, unknown>

/** Runs `effect`, failing the test with `what` and the error when it fails: a corrupt entry must not be an error. */
const noError = <A, E>(what: string, effect: Effect.Effect<A, E, ArtifactStorage>) =>
  Effect.flatMap(Effect.exit(effect), (exit) =>
    Exit.isSuccess(exit)
      ? Effect.succeed(exit.value)
      : Effect.sync(() => assert.fail(`${what} failed on a corrupt entry instead of missing it: ${String(exit.cause)}`)))

export const corruptionTests = (it: StorageIt, corruptions: Readonly<Record<string, Corruption>>): void => {
  for (const [name, corrupt] of Object.entries(corruptions)) {
    it.effect(`a corrupt entry (${name}) is a miss for get, head, list and a batch of heads, never an error`, () =>
      Effect.gen(function*() {
        const storage = yield* ArtifactStorage
        const namespace = randomNamespace()
        const good = { namespace, hash: randomHash() }
        const goodBytes = randomBytes(300)
        // One damaged key per operation that meets it first: an adapter that
        // heals (removes) the entry must still answer a miss the first time.
        const damaged = { get: randomHash(), head: randomHash(), list: randomHash() }
        const keys = Object.values(damaged).map((hash): ArtifactKey => ({ namespace, hash }))
        yield* putBytes(good, goodBytes, fullMetadata("good"))
        for (const key of keys) {
          yield* putBytes(key, randomBytes(200), fullMetadata("damaged"))
          yield* corrupt(key).pipe(Effect.orDie)
        }

        const got = yield* noError("get", storage.get({ namespace, hash: damaged.get }))
        assert.isTrue(Option.isNone(got), "get misses")
        const head = yield* noError("head", storage.head({ namespace, hash: damaged.head }))
        assert.isTrue(Option.isNone(head), "head misses")
        const listed = yield* noError("list", Stream.runCollect(storage.list({ namespace })))
        assert.deepStrictEqual(listed.map((entry) => entry.key.hash), [good.hash], "list shows only the good artifact")

        // What a batch query does: one head per hash, all answered.
        const batch = yield* noError("a batch of heads", Effect.forEach([...keys, good], storage.head, { concurrency: 4 }))
        assert.deepStrictEqual(batch.map(Option.isSome), [false, false, false, true], "only the good artifact is a hit")
        for (const key of keys) {
          assert.isTrue(Option.isNone(yield* noError("get", storage.get(key))), `get of ${key.hash} agrees with head`)
        }
        yield* expectStored(good, goodBytes, fullMetadata("good"))

        // A new upload of a damaged key is served as usual.
        const again = randomBytes(100)
        yield* putBytes(keys[0]!, again, fullMetadata("again"))
        yield* expectStored(keys[0]!, again, fullMetadata("again"))
      }), testTimeout)
  }
}
