import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { isLocalFileSystem } from "../src/localFileSystem.ts"
import { tempDirectory } from "./tempDirectory.ts"

describe("localFileSystem", () => {
  it.effect("isLocalFileSystem: the test's temp directory is on a local one", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      assert.isTrue(yield* Effect.promise(() => isLocalFileSystem(directory)))
    }))
})
