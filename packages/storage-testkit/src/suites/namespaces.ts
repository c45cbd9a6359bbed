import { assert } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import { Effect, Option } from "effect"
import { randomBytes, randomHash, randomNamespace } from "../helpers.ts"
import { expectMissing, expectStored, fullMetadata, putBytes, testTimeout } from "./fixtures.ts"
import type { StorageIt } from "./fixtures.ts"

/** The same hash in two namespaces is two artifacts. */
export const namespaceTests = (it: StorageIt): void => {
  it.effect("namespaces isolate artifacts with the same hash", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const hash = randomHash()
      const a = { namespace: randomNamespace(), hash }
      const b = { namespace: randomNamespace(), hash }
      const bytesA = randomBytes(3000)
      const bytesB = randomBytes(4000)
      yield* putBytes(a, bytesA, fullMetadata("a", 1))
      yield* expectMissing(b)
      yield* putBytes(b, bytesB, fullMetadata("b", 2))
      yield* expectStored(a, bytesA, fullMetadata("a", 1))
      yield* expectStored(b, bytesB, fullMetadata("b", 2))

      assert.isTrue(yield* storage.delete(a))
      yield* expectMissing(a)
      yield* expectStored(b, bytesB, fullMetadata("b", 2))
      assert.isTrue(Option.isSome(yield* storage.head(b)))
    }), testTimeout)
}
