import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { absentNow, lookupFor } from "../src/lookup.ts"
import { tempDirectory } from "./tempDirectory.ts"

describe("lookup", () => {
  it.effect("absentNow: true only when the stat finds nothing there", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const file = join(directory, "artifact")
      yield* Effect.promise(() => writeFile(file, "bytes"))
      assert.isFalse(absentNow(file))
      assert.isFalse(absentNow(directory))
      assert.isTrue(absentNow(join(directory, "none")))
      assert.isTrue(absentNow(join(directory, "no-namespace", "ab", "abcdef")))
      // A path through a file (ENOTDIR) holds no artifact either.
      assert.isTrue(absentNow(join(file, "below")))
    }))

  it.effect("lookupFor: a stat on the event loop for a local directory", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      assert.strictEqual(yield* Effect.promise(() => lookupFor(directory)), "sync")
    }))
})
