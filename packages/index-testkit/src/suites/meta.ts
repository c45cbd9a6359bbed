import { assert } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import { Effect, Option } from "effect"
import { randomHash } from "../helpers.ts"
import { testTimeout } from "./fixtures.ts"
import type { IndexIt } from "./fixtures.ts"

export const metaTests = (it: IndexIt): void => {
  it.effect("getMeta returns what setMeta stored; setMeta replaces", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const key = `test.${randomHash()}`
      const other = `test.${randomHash()}`
      assert.deepStrictEqual(yield* index.getMeta(key), Option.none(), "an unknown key")
      yield* index.setMeta(key, "v1")
      assert.deepStrictEqual(yield* index.getMeta(key), Option.some("v1"))
      yield* index.setMeta(key, "v2")
      assert.deepStrictEqual(yield* index.getMeta(key), Option.some("v2"), "replaced")
      assert.deepStrictEqual(yield* index.getMeta(other), Option.none(), "another key")
      const odd = `{"json": true, "quote": "'", "unicode": "ünïcode ✓"}\n${"x".repeat(2000)}`
      yield* index.setMeta(other, odd)
      assert.deepStrictEqual(yield* index.getMeta(other), Option.some(odd), "any text")
      yield* index.setMeta(other, "")
      assert.deepStrictEqual(yield* index.getMeta(other), Option.some(""), "the empty string is a value")
      assert.deepStrictEqual(yield* index.getMeta(key), Option.some("v2"), "keys are independent")
    }), testTimeout)

  it.effect("check succeeds", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.check
      yield* index.check
    }), testTimeout)
}
