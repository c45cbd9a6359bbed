import { assert } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import { Effect } from "effect"
import { randomBytes, randomHash, randomNamespace } from "../helpers.ts"
import { expectMissing, expectStored, fullMetadata, putBytes, testTimeout } from "./fixtures.ts"
import type { StorageIt } from "./fixtures.ts"

export const deletionTests = (it: StorageIt): void => {
  it.effect("delete removes an artifact and returns true, then false", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = randomNamespace()
      const key = { namespace, hash: randomHash() }
      const neighbour = { namespace, hash: randomHash() }
      const neighbourBytes = randomBytes(500)
      yield* putBytes(key, randomBytes(2000), fullMetadata("doomed"))
      yield* putBytes(neighbour, neighbourBytes, fullMetadata("neighbour"))
      assert.isTrue(yield* storage.delete(key), "deleting a stored artifact returns true")
      yield* expectMissing(key)
      assert.isFalse(yield* storage.delete(key), "deleting it again returns false")
      yield* expectStored(neighbour, neighbourBytes, fullMetadata("neighbour"))
    }), testTimeout)

  it.effect("delete of a key that never existed returns false", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      assert.isFalse(yield* storage.delete({ namespace: randomNamespace(), hash: randomHash() }))
    }), testTimeout)

  it.effect("an artifact can be stored again after delete", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      yield* putBytes(key, randomBytes(1000), fullMetadata("first"))
      assert.isTrue(yield* storage.delete(key))
      const bytes = randomBytes(1500)
      yield* putBytes(key, bytes, fullMetadata("second"))
      yield* expectStored(key, bytes, fullMetadata("second"))
    }), testTimeout)
}
