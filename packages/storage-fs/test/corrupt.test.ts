import { mkdir, readdir, rename, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { crc32 } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import type { ArtifactHash, ArtifactKey } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { bytesOf, randomBytes, randomNamespace } from "@hoard/storage-testkit"
import { Effect, Logger, Option, Stream } from "effect"
import { makeCorruptEntries } from "../src/corruptEntries.ts"
import { threadPoolReads } from "../src/fileIo.ts"
import { readArtifactInfo } from "../src/readArtifact.ts"
import { tempDirectory } from "./tempDirectory.ts"

/** An artifact file as format 1 describes it: "HORD", uint16 version, uint32 JSON length, JSON, bytes. */
const artifactFile = (json: string, body: Uint8Array, version = 1): Buffer => {
  const metadata = Buffer.from(json, "utf8")
  const header = Buffer.alloc(10)
  header.write("HORD", 0, "latin1")
  header.writeUInt16BE(version, 4)
  header.writeUInt32BE(metadata.byteLength, 6)
  return Buffer.concat([header, metadata, body])
}

/** A format 2 file: format 1's layout, then the CRC-32 of the bytes (`crc` to write another). */
const checkedFile = (json: string, body: Uint8Array, crc = crc32(body)): Buffer => {
  const trailer = Buffer.alloc(4)
  trailer.writeUInt32BE(crc, 0)
  return Buffer.concat([artifactFile(json, body, 2), trailer])
}

/** `bytes` with one bit flipped at `at`, as a bad disk block or a torn write would leave them. */
const flipped = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = new Uint8Array(bytes)
  copy[at] = copy[at]! ^ 0x01
  return copy
}

const infoJson = (size: number) => JSON.stringify({ size, createdAt: 1_700_000_000_000, metadata: { durationMs: 3 } })

/** Storage over a temp dir, a function that writes raw bytes where an artifact file goes, and the warnings logged. */
const setup = Effect.gen(function*() {
  const directory = yield* tempDirectory
  const storage = FsStorage.make(directory)
  const namespace = randomNamespace()
  const shard = join(directory, namespace, "ab")
  let n = 0
  const plant = (contents: Uint8Array) =>
    Effect.promise(async () => {
      const hash = `ab${(n++).toString(16).padStart(4, "0")}` as ArtifactHash
      await mkdir(shard, { recursive: true })
      const path = join(shard, hash)
      await writeFile(path, contents)
      return { key: { namespace, hash } as ArtifactKey, path }
    })
  const filesInShard = Effect.promise(() => readdir(shard).then((names) => names.sort()))
  const warnings: Array<string> = []
  const captured = Logger.layer([
    Logger.make((options) => {
      if (options.logLevel === "Warn") warnings.push((options.message as ReadonlyArray<unknown>).map(String).join(" "))
    })
  ])
  return { storage, plant, namespace, filesInShard, warnings, captured }
})

const listedHashes = (storage: FsStorage.FsStorageShape, namespace: ArtifactKey["namespace"]) =>
  Effect.map(Stream.runCollect(storage.list({ namespace })), (entries) => entries.map((entry) => entry.key.hash).sort())

describe("FsStorage corrupt files", () => {
  it.effect("a well-formed file written by hand reads back", () =>
    Effect.gen(function*() {
      const { plant, storage } = yield* setup
      const body = randomBytes(100)
      const { key } = yield* plant(artifactFile(infoJson(100), body))
      const artifact = Option.getOrThrow(yield* storage.get(key))
      assert.deepStrictEqual(artifact.info, { size: 100, createdAt: 1_700_000_000_000, metadata: { durationMs: 3 } })
      assert.deepStrictEqual(yield* bytesOf(artifact.body), body)
      assert.deepStrictEqual(yield* storage.head(key), Option.some(artifact.info))
    }))

  for (const size of [100, 500_000]) {
    it.effect(`a format 2 file of ${size} bytes written by hand reads back`, () =>
      Effect.gen(function*() {
        const { plant, storage } = yield* setup
        const body = randomBytes(size)
        const { key } = yield* plant(checkedFile(infoJson(size), body))
        assert.deepStrictEqual(yield* bytesOf(Option.getOrThrow(yield* storage.get(key)).body), body)
        assert.strictEqual(Option.getOrThrow(yield* storage.head(key)).size, size)
        assert.strictEqual(yield* storage.corruptEntries, 0)
      }))
  }

  it.effect("a small file whose bytes do not match their CRC-32: get misses, removes it, logs once", () =>
    Effect.gen(function*() {
      const { captured, filesInShard, plant, storage, warnings } = yield* setup
      const body = randomBytes(1000)
      const bad = yield* plant(checkedFile(infoJson(1000), flipped(body, 500), crc32(body)))
      yield* Effect.gen(function*() {
        assert.isTrue(Option.isNone(yield* storage.get(bad.key)))
        assert.deepStrictEqual(yield* filesInShard, [])
        assert.strictEqual(yield* storage.corruptEntries, 1)
        assert.strictEqual(warnings.length, 1)
        assert.include(warnings[0] ?? "", "CRC-32")
        assert.isTrue(Option.isNone(yield* storage.head(bad.key)), "head misses afterwards")
      }).pipe(Effect.provide(captured))
    }))

  it.effect("a large file whose bytes do not match their CRC-32: its body fails before its last chunk, and it is removed", () =>
    Effect.gen(function*() {
      const { captured, filesInShard, plant, storage, warnings } = yield* setup
      const body = randomBytes(500_000)
      const bad = yield* plant(checkedFile(infoJson(500_000), flipped(body, 400_000), crc32(body)))
      yield* Effect.gen(function*() {
        // Too large to check before answering: the answer starts, and is cut off before its end.
        const artifact = Option.getOrThrow(yield* storage.get(bad.key))
        let streamed = 0
        const error = yield* Effect.flip(Stream.runForEach(artifact.body, (chunk) => Effect.sync(() => {
          streamed += chunk.byteLength
        })))
        assert.strictEqual(error._tag, "StorageError")
        assert.include(error.message, "CRC-32")
        assert.isAbove(streamed, 0, "the bytes before the last chunk went out")
        assert.isBelow(streamed, 500_000, "the last chunk never did")
        assert.deepStrictEqual(yield* filesInShard, [])
        assert.strictEqual(yield* storage.corruptEntries, 1)
        assert.strictEqual(warnings.length, 1)
        assert.isTrue(Option.isNone(yield* storage.get(bad.key)), "a miss afterwards")
      }).pipe(Effect.provide(captured))
    }))

  const corrupt: ReadonlyArray<readonly [string, Buffer]> = [
    ["an empty file", Buffer.alloc(0)],
    ["a file without the magic", Buffer.from("PK\u0003\u0004 some zip file or other")],
    ["an unknown format version", artifactFile(infoJson(4), Buffer.from("abcd"), 7)],
    ["metadata that is not JSON", artifactFile("{not json", Buffer.from("abcd"))],
    ["metadata that does not match the schema", artifactFile(JSON.stringify({ size: "4", metadata: {} }), Buffer.from("abcd"))],
    ["a file that ends inside its metadata", artifactFile(infoJson(4), Buffer.alloc(0)).subarray(0, 20)],
    ["a small file shorter than its header says", artifactFile(infoJson(100), randomBytes(60))],
    ["a small file longer than its header says", artifactFile(infoJson(100), randomBytes(140))],
    ["a large file shorter than its header says", artifactFile(infoJson(500_000), randomBytes(400_000))],
    ["a large file longer than its header says", artifactFile(infoJson(500_000), randomBytes(500_001))],
    ["a format 2 file without its trailer", artifactFile(infoJson(4), Buffer.from("abcd"), 2)],
    ["a large format 2 file shorter than its header says", checkedFile(infoJson(500_000), randomBytes(400_000))]
  ]
  const firstTouches = ["get", "head", "list"] as const
  for (const [name, contents] of corrupt) {
    for (const first of firstTouches) {
      it.effect(`${name}, found by ${first}: a miss everywhere, removed, logged once and counted`, () =>
        Effect.gen(function*() {
          const { captured, filesInShard, namespace, plant, storage, warnings } = yield* setup
          const good = yield* plant(artifactFile(infoJson(4), Buffer.from("abcd")))
          const bad = yield* plant(contents)
          yield* Effect.gen(function*() {
            if (first === "get") assert.isTrue(Option.isNone(yield* storage.get(bad.key)), "get misses")
            if (first === "head") assert.isTrue(Option.isNone(yield* storage.head(bad.key)), "head misses")
            if (first === "list") assert.deepStrictEqual(yield* listedHashes(storage, namespace), [good.key.hash], "list skips it")
            assert.deepStrictEqual(yield* filesInShard, [good.key.hash], "the corrupt file is removed")
            assert.strictEqual(yield* storage.corruptEntries, 1)
            assert.strictEqual(warnings.length, 1, `one warning, got ${JSON.stringify(warnings)}`)
            assert.include(warnings[0] ?? "", `${namespace}/${bad.key.hash}`)
            assert.include(warnings[0] ?? "", "corrupt")

            // Every other way of asking agrees, and nothing is logged or counted again.
            assert.isTrue(Option.isNone(yield* storage.get(bad.key)), "get misses afterwards")
            assert.isTrue(Option.isNone(yield* storage.head(bad.key)), "head misses afterwards")
            assert.deepStrictEqual(yield* listedHashes(storage, namespace), [good.key.hash], "list afterwards")
            assert.isTrue(Option.isSome(yield* storage.get(good.key)), "the good artifact beside it is intact")
            assert.strictEqual(yield* storage.corruptEntries, 1)
            assert.strictEqual(warnings.length, 1)

            // A new upload of the key is served as usual.
            yield* storage.put(bad.key, Stream.succeed(new Uint8Array([1, 2, 3])), { size: 3, metadata: { durationMs: 1 } })
            assert.deepStrictEqual(yield* bytesOf(Option.getOrThrow(yield* storage.get(bad.key)).body), new Uint8Array([1, 2, 3]))
          }).pipe(Effect.provide(captured))
        }))
    }
  }

  it.effect("a file-system failure is still a StorageError, not a miss, and is not counted", () =>
    Effect.gen(function*() {
      const { namespace, plant, storage } = yield* setup
      const { key, path } = yield* plant(Buffer.alloc(0))
      // Reading a directory fails with EISDIR: the file system, not the data, is at fault.
      yield* Effect.promise(async () => {
        await rename(path, `${path}.moved`)
        await mkdir(path)
      })
      for (const [operation, result] of [
        ["get", storage.get(key)],
        ["head", storage.head(key)],
        ["list", Stream.runCollect(storage.list({ namespace }))]
      ] as const) {
        const error = yield* Effect.flip<unknown, { readonly _tag: string; readonly message: string }, never>(result)
        assert.strictEqual(error._tag, "StorageError", operation)
        assert.include(error.message, "EISDIR", operation)
      }
      assert.strictEqual(yield* storage.corruptEntries, 0)
    }))

  it.effect("a corrupt file replaced by a new version before it is removed: the new version stays", () =>
    Effect.gen(function*() {
      const { plant, storage } = yield* setup
      const bad = yield* plant(artifactFile(infoJson(100), randomBytes(60)))
      const read = yield* Effect.promise(() => readArtifactInfo(bad.path, threadPoolReads))
      assert.strictEqual(read?._tag, "Corrupt")
      if (read?._tag !== "Corrupt") return
      // A put renames its complete temp file over the path after the corrupt one was read.
      const body = randomBytes(10)
      yield* Effect.promise(async () => {
        await writeFile(`${bad.path}.new`, artifactFile(infoJson(10), body))
        await rename(`${bad.path}.new`, bad.path)
      })
      const corrupt = makeCorruptEntries()
      yield* corrupt.heal(bad.key, bad.path, read)
      assert.deepStrictEqual(yield* bytesOf(Option.getOrThrow(yield* storage.get(bad.key)).body), body)
      assert.strictEqual(yield* corrupt.count, 0, "nothing corrupt was removed")
    }))
})
