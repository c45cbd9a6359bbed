import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { absentNow, isLocalFileSystem } from "../src/localFileSystem.ts"
import { tempDirectory } from "./tempDirectory.ts"

describe("localFileSystem", () => {
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

  it.effect("isLocalFileSystem: the test's temp directory is on a local one", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      assert.isTrue(yield* Effect.promise(() => isLocalFileSystem(directory)))
    }))
})
