import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { crc32 } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactHash, Namespace } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { chunked, failingAfter, randomBytes, randomNamespace } from "@hoard/storage-testkit"
import { Data, Effect, Fiber, Stream } from "effect"
import { tempDirectory } from "./tempDirectory.ts"

class BodyFailed extends Data.TaggedError("BodyFailed") {}

describe("FsStorage layout", () => {
  it.effect("stores one file per artifact at <dir>/<namespace>/<shard>/<hash>: header, bytes, CRC-32 trailer", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      const namespace = randomNamespace()
      const hash = "ABCDEF0123456789" as ArtifactHash
      const bytes = randomBytes(1000)
      yield* storage.put({ namespace, hash }, chunked(bytes), { size: 1000, metadata: { durationMs: 7, tag: "t" } })

      assert.deepStrictEqual(yield* Effect.promise(() => readdir(join(directory, namespace))), ["ab"])
      assert.deepStrictEqual(yield* Effect.promise(() => readdir(join(directory, namespace, "ab"))), [hash])
      const file = yield* Effect.promise(() => readFile(join(directory, namespace, "ab", hash)))
      assert.strictEqual(file.subarray(0, 4).toString("latin1"), "HORD")
      assert.strictEqual(file.readUInt16BE(4), 2)
      const jsonBytes = file.readUInt32BE(6)
      const info = JSON.parse(file.toString("utf8", 10, 10 + jsonBytes))
      assert.deepStrictEqual(info.metadata, { durationMs: 7, tag: "t" })
      assert.strictEqual(info.size, 1000)
      assert.strictEqual(file.byteLength, 10 + jsonBytes + 1000 + 4)
      assert.deepStrictEqual(new Uint8Array(file.subarray(10 + jsonBytes, 10 + jsonBytes + 1000)), bytes)
      assert.strictEqual(file.readUInt32BE(10 + jsonBytes + 1000), crc32(bytes))
    }))

  it.live("a failed put leaves no temp file behind", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      const key = { namespace: randomNamespace(), hash: "aa00" as ArtifactHash }
      const bytes = randomBytes(300_000)
      yield* storage.put(key, chunked(bytes), { size: 1000, metadata: { durationMs: 1 } }).pipe(Effect.exit)
      yield* storage.put(key, failingAfter(bytes, 200_000, new BodyFailed()), { size: 300_000, metadata: { durationMs: 1 } })
        .pipe(Effect.exit)
      yield* storage.put(key, Stream.concat(chunked(bytes), Stream.never), { size: 400_000, metadata: { durationMs: 1 } })
        .pipe(Effect.timeout("100 millis"), Effect.exit)
      assert.deepStrictEqual(yield* Effect.promise(() => readdir(join(directory, key.namespace, "aa"))), [])
    }))

  it.effect("namespaces lists only namespace directories holding an artifact file", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      const stored = randomNamespace()
      const emptied = randomNamespace()
      const onlyTemp = randomNamespace()
      const onlyStray = randomNamespace()
      const emptyDir = randomNamespace()
      const bytes = randomBytes(10)
      const put = (namespace: Namespace, hash: string) =>
        storage.put({ namespace, hash: hash as ArtifactHash }, chunked(bytes), { size: 10, metadata: { durationMs: 1 } })
      yield* put(stored, "ab01")
      yield* put(stored, "cd02")
      yield* put(emptied, "ab03")
      assert.isTrue(yield* storage.delete({ namespace: emptied, hash: "ab03" as ArtifactHash }))
      yield* Effect.promise(async () => {
        await mkdir(join(directory, onlyTemp, "ab"), { recursive: true })
        await writeFile(join(directory, onlyTemp, "ab", ".tmp-crashed-upload"), "partial")
        await mkdir(join(directory, onlyStray, "notes"), { recursive: true })
        await writeFile(join(directory, onlyStray, "notes", "README"), "not an artifact")
        await writeFile(join(directory, onlyStray, "ab01"), "not in a shard")
        await mkdir(join(directory, emptyDir))
        await mkdir(join(directory, "lost+found"))
        await writeFile(join(directory, "lost+found", "ab01"), "not a namespace")
        await mkdir(join(directory, ".tmp-dir", "ab"), { recursive: true })
        await writeFile(join(directory, ".tmp-dir", "ab", "ab01"), "hidden")
        await writeFile(join(directory, ".tmp-root-file"), "temp")
        await writeFile(join(directory, "plain-file"), "a file, not a directory")
      })
      assert.deepStrictEqual(yield* Effect.promise(() => readdir(join(directory, emptied, "ab"))), [], "delete leaves the shard")
      assert.deepStrictEqual([...(yield* Stream.runCollect(storage.namespaces))], [stored])
    }))

  it.effect("namespaces fails with a StorageError when the directory is gone", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      yield* Effect.promise(() => rm(directory, { recursive: true }))
      const error = yield* Effect.flip(Stream.runCollect(storage.namespaces))
      assert.strictEqual(error._tag, "StorageError")
      assert.strictEqual(error.operation, "namespaces")
      assert.include(error.message, `could not list the namespaces in ${directory}`)
    }))

  it.live("list skips temp files of uploads in progress", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      const namespace = randomNamespace()
      const bytes = randomBytes(100)
      yield* storage.put({ namespace, hash: "aa11" as ArtifactHash }, chunked(bytes), { size: 100, metadata: { durationMs: 1 } })
      // Larger than the 64 KiB that are collected before they are written, so that it streams into a temp file.
      const fiber = yield* storage.put({ namespace, hash: "aa22" as ArtifactHash }, Stream.concat(chunked(bytes), Stream.never), {
        size: 1024 * 1024,
        metadata: { durationMs: 1 }
      }).pipe(Effect.forkChild)
      yield* Effect.sleep("100 millis")
      const names = yield* Effect.promise(() => readdir(join(directory, namespace, "aa")))
      assert.strictEqual(names.length, 2, "the upload in progress has a temp file")
      const listed = yield* Stream.runCollect(storage.list({ namespace }))
      assert.deepStrictEqual(listed.map((entry) => entry.key.hash), ["aa11"])
      yield* Fiber.interrupt(fiber)
    }))
})
