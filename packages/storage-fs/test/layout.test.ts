import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactHash } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { chunked, failingAfter, randomBytes, randomNamespace } from "@hoard/storage-testkit"
import { Data, Effect, Fiber, Stream } from "effect"
import { tempDirectory } from "./tempDirectory.ts"

class BodyFailed extends Data.TaggedError("BodyFailed") {}

describe("FsStorage layout", () => {
  it.effect("stores one file per artifact at <dir>/<namespace>/<shard>/<hash>, header first", () =>
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
      const jsonBytes = file.readUInt32BE(6)
      const info = JSON.parse(file.toString("utf8", 10, 10 + jsonBytes))
      assert.deepStrictEqual(info.metadata, { durationMs: 7, tag: "t" })
      assert.strictEqual(info.size, 1000)
      assert.deepStrictEqual(new Uint8Array(file.subarray(10 + jsonBytes)), bytes)
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

  it.live("list skips temp files of uploads in progress", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      const namespace = randomNamespace()
      const bytes = randomBytes(100)
      yield* storage.put({ namespace, hash: "aa11" as ArtifactHash }, chunked(bytes), { size: 100, metadata: { durationMs: 1 } })
      const fiber = yield* storage.put({ namespace, hash: "aa22" as ArtifactHash }, Stream.concat(chunked(bytes), Stream.never), {
        size: 1000,
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
