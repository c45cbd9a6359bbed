import { mkdir, readdir, stat, utimes, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { Effect, Layer } from "effect"
import { tempDirectory } from "./tempDirectory.ts"

const buildError = (directory: string) =>
  Effect.flip(Layer.build(FsStorage.layer({ directory })))

/** A directory this process cannot write to; root ignores permission bits, so it gets a read-only file system. */
const unwritableDirectory = Effect.gen(function*() {
  if (process.getuid?.() === 0) return "/sys/fs"
  const directory = join(yield* tempDirectory, "read-only")
  yield* Effect.promise(() => mkdir(directory, { mode: 0o555 }))
  return directory
})

describe("FsStorage setup", () => {
  it.effect("creates the directory, nested, when it does not exist", () =>
    Effect.gen(function*() {
      const directory = join(yield* tempDirectory, "a", "b", "cache")
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      assert.isTrue((yield* Effect.promise(() => stat(directory))).isDirectory())
      yield* storage.check
    }))

  it.effect("fails with a clear StorageError when the directory is not writable", () =>
    Effect.gen(function*() {
      const directory = yield* unwritableDirectory
      const error = yield* buildError(directory)
      assert.strictEqual(error._tag, "StorageError")
      assert.include(error.message, `the storage directory ${directory} is not writable`)
    }))

  it.effect("fails with a clear StorageError when the directory cannot be created", () =>
    Effect.gen(function*() {
      const file = join(yield* tempDirectory, "a-file")
      yield* Effect.promise(() => writeFile(file, "not a directory"))
      const directory = join(file, "cache")
      const error = yield* buildError(directory)
      assert.strictEqual(error._tag, "StorageError")
      assert.include(error.message, `could not create the storage directory ${directory}`)
    }))

  it.effect("removes temp files older than 10 minutes at start, keeps fresh ones and artifacts", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const shard = join(directory, "team", "ab")
      yield* Effect.promise(() => mkdir(shard, { recursive: true }))
      const old = new Date(Date.now() - 11 * 60 * 1000)
      const files = {
        oldInShard: join(shard, ".tmp-old"),
        freshInShard: join(shard, ".tmp-fresh"),
        oldInRoot: join(directory, ".tmp-probe-old"),
        oldArtifact: join(shard, "ab12")
      }
      for (const path of Object.values(files)) yield* Effect.promise(() => writeFile(path, "x"))
      for (const path of [files.oldInShard, files.oldInRoot, files.oldArtifact]) {
        yield* Effect.promise(() => utimes(path, old, old))
      }

      yield* Layer.build(FsStorage.layer({ directory }))

      assert.deepStrictEqual((yield* Effect.promise(() => readdir(shard))).sort(), [".tmp-fresh", "ab12"])
      assert.deepStrictEqual(yield* Effect.promise(() => readdir(directory)), ["team"])
    }))

  it.live("sweeps temp files of crashed uploads while running, keeps fresh ones and artifacts", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      yield* Layer.build(FsStorage.layer({ directory, staleTempFileAge: "5 seconds", tempSweepInterval: "100 millis" }))
      // Created after the start-up sweep: only a sweep while running can remove them.
      const shard = join(directory, "team", "ab")
      yield* Effect.promise(() => mkdir(shard, { recursive: true }))
      const old = new Date(Date.now() - 60 * 1000)
      const files = { crashed: join(shard, ".tmp-crashed"), live: join(shard, ".tmp-live"), artifact: join(shard, "ab12") }
      for (const path of Object.values(files)) yield* Effect.promise(() => writeFile(path, "x"))
      for (const path of [files.crashed, files.artifact]) yield* Effect.promise(() => utimes(path, old, old))

      const remaining = () => Effect.promise(() => readdir(shard).then((names) => names.sort()))
      for (let i = 0; i < 40 && (yield* remaining()).includes(".tmp-crashed"); i++) yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(yield* remaining(), [".tmp-live", "ab12"])
    }))

  it.effect("refuses a sweep interval or temp-file age that is not a positive duration", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      for (const options of [{ tempSweepInterval: 0 }, { staleTempFileAge: "-1 minutes" as const }]) {
        const error = yield* Effect.flip(Layer.build(FsStorage.layer({ directory, ...options })))
        assert.strictEqual(error._tag, "StorageError")
        assert.include(error.message, "must be a positive duration")
      }
    }))

  it.effect("check fails once the directory is gone", () =>
    Effect.gen(function*() {
      const directory = join(yield* tempDirectory, "cache")
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      yield* storage.check
      yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.rm(directory, { recursive: true })))
      const error = yield* Effect.flip(storage.check)
      assert.include(error.message, `the storage directory ${directory} is not usable`)
    }))
})
