import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactHash, ArtifactKey } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { bytesOf, randomBytes, randomNamespace } from "@hoard/storage-testkit"
import { Effect, Option, Stream } from "effect"
import { tempDirectory } from "./tempDirectory.ts"

/** An artifact file as the format describes it: "HORD", uint16 version, uint32 JSON length, JSON, bytes. */
const artifactFile = (json: string, body: Uint8Array, version = 1): Buffer => {
  const metadata = Buffer.from(json, "utf8")
  const header = Buffer.alloc(10)
  header.write("HORD", 0, "latin1")
  header.writeUInt16BE(version, 4)
  header.writeUInt32BE(metadata.byteLength, 6)
  return Buffer.concat([header, metadata, body])
}

const infoJson = (size: number) => JSON.stringify({ size, createdAt: 1_700_000_000_000, metadata: { durationMs: 3 } })

/** Storage over a temp dir, plus a function that writes raw bytes where `key`'s artifact file goes. */
const setup = Effect.gen(function*() {
  const directory = yield* tempDirectory
  const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
  const namespace = randomNamespace()
  let n = 0
  const plant = (contents: Uint8Array) =>
    Effect.promise(async (): Promise<ArtifactKey> => {
      const hash = `ab${(n++).toString(16).padStart(4, "0")}` as ArtifactHash
      await mkdir(join(directory, namespace, "ab"), { recursive: true })
      await writeFile(join(directory, namespace, "ab", hash), contents)
      return { namespace, hash }
    })
  return { storage, plant, namespace }
})

const expectCorrupt = (error: { readonly _tag: string; readonly message: string }, operation: string) => {
  assert.strictEqual(error._tag, "StorageError", operation)
  assert.include(error.message, "is corrupt", operation)
}

describe("FsStorage corrupt files", () => {
  it.effect("a well-formed file written by hand reads back", () =>
    Effect.gen(function*() {
      const { plant, storage } = yield* setup
      const body = randomBytes(100)
      const key = yield* plant(artifactFile(infoJson(100), body))
      const artifact = Option.getOrThrow(yield* storage.get(key))
      assert.deepStrictEqual(artifact.info, { size: 100, createdAt: 1_700_000_000_000, metadata: { durationMs: 3 } })
      assert.deepStrictEqual(yield* bytesOf(artifact.body), body)
    }))

  const unreadable: ReadonlyArray<readonly [string, Buffer]> = [
    ["an empty file", Buffer.alloc(0)],
    ["a file without the magic", Buffer.from("PK\u0003\u0004 some zip file or other")],
    ["an unknown format version", artifactFile(infoJson(4), Buffer.from("abcd"), 7)],
    ["metadata that is not JSON", artifactFile("{not json", Buffer.from("abcd"))],
    ["metadata that does not match the schema", artifactFile(JSON.stringify({ size: "4", metadata: {} }), Buffer.from("abcd"))],
    ["a file that ends inside its metadata", artifactFile(infoJson(4), Buffer.alloc(0)).subarray(0, 20)]
  ]
  for (const [name, contents] of unreadable) {
    it.effect(`${name}: get, head and list fail with a StorageError, not a miss`, () =>
      Effect.gen(function*() {
        const { namespace, plant, storage } = yield* setup
        const key = yield* plant(contents)
        expectCorrupt(yield* Effect.flip(storage.get(key)), "get")
        expectCorrupt(yield* Effect.flip(storage.head(key)), "head")
        expectCorrupt(yield* Effect.flip(Stream.runCollect(storage.list({ namespace }))), "list")
      }))
  }

  const wrongLength: ReadonlyArray<readonly [string, Buffer]> = [
    ["a small file shorter than its header says", artifactFile(infoJson(100), randomBytes(60))],
    ["a small file longer than its header says", artifactFile(infoJson(100), randomBytes(140))],
    ["a large file shorter than its header says", artifactFile(infoJson(500_000), randomBytes(400_000))],
    ["a large file longer than its header says", artifactFile(infoJson(500_000), randomBytes(500_001))]
  ]
  for (const [name, contents] of wrongLength) {
    it.effect(`${name}: get fails with a StorageError`, () =>
      Effect.gen(function*() {
        const { plant, storage } = yield* setup
        const key = yield* plant(contents)
        expectCorrupt(yield* Effect.flip(storage.get(key)), "get")
      }))
  }
})
