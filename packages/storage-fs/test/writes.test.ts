import { mkdir, readdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactHash } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { chunked, randomBytes, randomNamespace } from "@hoard/storage-testkit"
import { Effect, Fiber, Stream } from "effect"
import { tempDirectory } from "./tempDirectory.ts"

const small = 64 * 1024
const storageIn = (directory: string, syncWrites: boolean) =>
  ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory, syncWrites })))

// Uploads of at most 64 KiB are written with synchronous calls by default on a local file system; both ways must agree.
for (const syncWrites of [true, false]) {
  describe(`FsStorage writes (syncWrites: ${syncWrites})`, () => {
    it.effect("an artifact of exactly 64 KiB, in many chunks, is stored whole with its trailer", () =>
      Effect.gen(function*() {
        const directory = yield* tempDirectory
        const storage = yield* storageIn(directory, syncWrites)
        const namespace = randomNamespace()
        const bytes = randomBytes(small)
        yield* storage.put({ namespace, hash: "ab01" as ArtifactHash }, chunked(bytes, 1000), { size: small, metadata: { durationMs: 1 } })
        const file = yield* Effect.promise(() => readFile(join(directory, namespace, "ab", "ab01")))
        assert.isTrue(file.subarray(file.length - 4 - small, file.length - 4).equals(bytes))
        assert.deepStrictEqual(yield* Effect.promise(() => readdir(join(directory, namespace, "ab"))), ["ab01"])
      }))

    it.effect("a small upload longer than its declared size fails and stores nothing", () =>
      Effect.gen(function*() {
        const directory = yield* tempDirectory
        const storage = yield* storageIn(directory, syncWrites)
        const namespace = randomNamespace()
        const error = yield* Effect.flip(
          storage.put({ namespace, hash: "ab02" as ArtifactHash }, chunked(randomBytes(101)), { size: 100, metadata: { durationMs: 1 } })
        )
        assert.include(error.message, "longer than its declared size of 100 bytes")
        const names = yield* Effect.promise(() => readdir(join(directory, namespace, "ab")).catch(() => []))
        assert.deepStrictEqual(names, [])
      }))

    it.live("a small upload interrupted before its body ends leaves no file behind", () =>
      Effect.gen(function*() {
        const directory = yield* tempDirectory
        const storage = yield* storageIn(directory, syncWrites)
        const namespace = randomNamespace()
        const body = Stream.concat(chunked(randomBytes(100)), Stream.never)
        const fiber = yield* storage.put({ namespace, hash: "ab03" as ArtifactHash }, body, { size: 1000, metadata: { durationMs: 1 } })
          .pipe(Effect.forkChild)
        yield* Effect.sleep("50 millis")
        yield* Fiber.interrupt(fiber)
        const names = yield* Effect.promise(() => readdir(join(directory, namespace, "ab")).catch(() => []))
        assert.deepStrictEqual(names, [])
      }))

    it.effect("a small upload whose shard cannot be created is a StorageError that names the file, and the server's state is untouched", () =>
      Effect.gen(function*() {
        const directory = yield* tempDirectory
        const storage = yield* storageIn(directory, syncWrites)
        const namespace = randomNamespace()
        // A file where the shard directory would go: creating the temp file fails with ENOTDIR.
        yield* Effect.promise(async () => {
          await mkdir(join(directory, namespace))
          await writeFile(join(directory, namespace, "ab"), "not a directory")
        })
        const error = yield* Effect.flip(
          storage.put({ namespace, hash: "ab04" as ArtifactHash }, chunked(randomBytes(10)), { size: 10, metadata: { durationMs: 1 } })
        )
        assert.strictEqual(error._tag, "StorageError")
        assert.include(error.message, join(directory, namespace, "ab"))
        assert.include(error.message, "ENOTDIR")
        yield* storage.put({ namespace, hash: "cd05" as ArtifactHash }, chunked(randomBytes(10)), { size: 10, metadata: { durationMs: 1 } })
      }))
  })
}
