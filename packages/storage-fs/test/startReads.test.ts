import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { eventLoopReads, threadPoolReads } from "../src/fileIo.ts"
import { tempDirectory } from "./tempDirectory.ts"

describe("StartReads", () => {
  it.effect("eventLoopReads.knownAbsent: true only when the stat finds nothing there", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const file = join(directory, "artifact")
      yield* Effect.promise(() => writeFile(file, "bytes"))
      assert.isFalse(eventLoopReads.knownAbsent(file))
      assert.isFalse(eventLoopReads.knownAbsent(directory))
      assert.isTrue(eventLoopReads.knownAbsent(join(directory, "none")))
      assert.isTrue(eventLoopReads.knownAbsent(join(directory, "no-namespace", "ab", "abcdef")))
      // A path through a file (ENOTDIR) holds no artifact either.
      assert.isTrue(eventLoopReads.knownAbsent(join(file, "below")))
      // The thread-pool reads never claim to know: their open tells.
      assert.isFalse(threadPoolReads.knownAbsent(join(directory, "none")))
    }))
})
