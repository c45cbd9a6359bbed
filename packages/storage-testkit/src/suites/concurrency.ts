import { assert } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { StorageError } from "@hoard/core"
import { Effect, Exit, Option, Stream } from "effect"
import { bytesOf, randomBytes, randomHash, randomNamespace, sha256 } from "../helpers.ts"
import {
  assertStorageError,
  expectStored,
  fullMetadata,
  interleavedChunks,
  putBytes,
  slowTestTimeout
} from "./fixtures.ts"
import type { StorageIt } from "./fixtures.ts"

const writers = 8
const writerBytes = 256 * 1024

/** Concurrent writers and readers racing on one key. */
export const concurrencyTests = (it: StorageIt): void => {
  it.effect(`${writers} concurrent puts of one key leave exactly one complete version`, () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bodies = Array.from({ length: writers }, () => randomBytes(writerBytes))
      const exits = yield* Effect.forEach(
        bodies,
        (bytes) =>
          storage.put(key, interleavedChunks(bytes), { size: bytes.byteLength, metadata: fullMetadata(sha256(bytes)) })
            .pipe(Effect.exit),
        { concurrency: "unbounded" }
      )
      // A backend may refuse a conflicting writer, but only with a StorageError.
      exits.forEach((exit) => Exit.isFailure(exit) && assertStorageError(Exit.findErrorOption(exit).pipe(Option.getOrUndefined), "put"))
      const written = new Set(bodies.filter((_, i) => Exit.isSuccess(exits[i]!)).map(sha256))
      assert.isAbove(written.size, 0, "at least one writer succeeds")

      const artifact = Option.getOrThrow(yield* storage.get(key))
      const bytes = yield* bytesOf(artifact.body)
      const tag = artifact.info.metadata.tag ?? ""
      assert.strictEqual(sha256(bytes), tag, "the stored bytes belong with the stored metadata")
      assert.isTrue(written.has(tag), "the stored version is one a successful writer sent")
      assert.strictEqual(artifact.info.size, writerBytes)
    }), slowTestTimeout)

  it.effect("a get started before an overwrite reads the old version or fails, never new or mixed bytes", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const oldBytes = randomBytes(1024 * 1024)
      yield* putBytes(key, oldBytes, fullMetadata(sha256(oldBytes)))
      const artifact = Option.getOrThrow(yield* storage.get(key))
      // Same size: only version pinning, not a length check, can tell the versions apart.
      const newBytes = randomBytes(1024 * 1024)
      yield* putBytes(key, newBytes, fullMetadata(sha256(newBytes)))

      const read = yield* bytesOf(artifact.body).pipe(Effect.exit)
      assertOldVersionOrStorageError(read, artifact.info.metadata.tag, oldBytes)
      assert.strictEqual(artifact.info.size, oldBytes.byteLength)
      yield* expectStored(key, newBytes, fullMetadata(sha256(newBytes)))
    }), slowTestTimeout)

  it.effect("a get overwritten while its body is half read yields the old version or fails, never a mix", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const oldBytes = randomBytes(2 * 1024 * 1024)
      yield* putBytes(key, oldBytes, fullMetadata(sha256(oldBytes)))
      const artifact = Option.getOrThrow(yield* storage.get(key))
      const newBytes = randomBytes(2 * 1024 * 1024)

      const chunks: Array<Uint8Array> = []
      let overwritten = false
      const read = yield* artifact.body.pipe(
        Stream.runForEach((chunk) =>
          Effect.gen(function*() {
            chunks.push(new Uint8Array(chunk))
            if (!overwritten) {
              overwritten = true
              yield* putBytes(key, newBytes, fullMetadata(sha256(newBytes)))
            }
          })
        ),
        Effect.map(() => Buffer.concat(chunks)),
        Effect.exit
      )
      assert.isTrue(overwritten, "the body yielded at least one chunk")
      assertOldVersionOrStorageError(read, artifact.info.metadata.tag, oldBytes)
      yield* expectStored(key, newBytes, fullMetadata(sha256(newBytes)))
    }), slowTestTimeout)
}

const assertOldVersionOrStorageError = (
  read: Exit.Exit<Uint8Array, StorageError>,
  infoTag: string | undefined,
  oldBytes: Uint8Array
): void => {
  assert.strictEqual(infoTag, sha256(oldBytes), "the info is the old version's")
  if (Exit.isSuccess(read)) {
    assert.strictEqual(read.value.byteLength, oldBytes.byteLength, "the body has the old version's length")
    assert.strictEqual(sha256(read.value), sha256(oldBytes), "the body has the old version's bytes")
  } else {
    assertStorageError(Exit.findErrorOption(read).pipe(Option.getOrUndefined), "get")
  }
}
