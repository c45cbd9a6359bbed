import { assert } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactInfo, ArtifactKey, ArtifactMetadata } from "@hoard/core"
import { Cause, Data, Effect, Exit, Option, Stream } from "effect"
import { chunked, digestOf, sha256 } from "../helpers.ts"

export type StorageIt = Vitest.MethodsNonLive<ArtifactStorage>

export interface SuiteOptions {
  readonly largeArtifactBytes: number
  readonly manyNamespaces: number
}

/** Timeout of a test that moves a few MiB or waits on concurrent writers. */
export const slowTestTimeout = 120_000
export const testTimeout = 30_000

/** Metadata with every optional field set; `tag` tells versions apart. */
export const fullMetadata = (tag: string, durationMs = 1234): ArtifactMetadata => ({
  durationMs,
  tag,
  sha: "8f2c1d0e9b7a",
  dirtyHash: "dirty-3e4f5a",
  clientCi: "github-actions"
})

/** The error a test body stream fails with; `marker` identifies one failure. */
export class BodyFailed extends Data.TaggedError("BodyFailed")<{ readonly marker: string }> {}

export const putBytes = Effect.fnUntraced(function*(
  key: ArtifactKey,
  bytes: Uint8Array,
  metadata: ArtifactMetadata
) {
  const storage = yield* ArtifactStorage
  yield* storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata })
})

/** Asserts that `key` holds exactly `bytes` and `metadata` through both `get` and `head`; returns the info. */
export const expectStored = Effect.fnUntraced(function*(
  key: ArtifactKey,
  bytes: Uint8Array,
  metadata: ArtifactMetadata
) {
  const storage = yield* ArtifactStorage
  const found = yield* storage.get(key)
  assert.isTrue(Option.isSome(found), `expected an artifact at ${key.namespace}/${key.hash}, got a miss`)
  const artifact = Option.getOrThrow(found)
  assert.strictEqual(artifact.info.size, bytes.byteLength, "info.size")
  assert.deepStrictEqual(artifact.info.metadata, metadata, "info.metadata")
  if (artifact.bytes !== undefined) {
    // A backend that offers the whole body in memory must offer exactly it.
    assert.strictEqual(artifact.bytes.byteLength, bytes.byteLength, "bytes.byteLength")
    assert.strictEqual(sha256(artifact.bytes), sha256(bytes), "SHA-256 of the in-memory bytes")
  }
  const read = yield* digestOf(artifact.body)
  assert.strictEqual(read.size, bytes.byteLength, "number of bytes read")
  assert.strictEqual(read.sha256, sha256(bytes), "SHA-256 of the bytes read")
  const head = yield* storage.head(key)
  assert.deepStrictEqual(head, Option.some(artifact.info), "head returns the info get returned")
  return artifact.info
})

export const expectMissing = Effect.fnUntraced(function*(key: ArtifactKey) {
  const storage = yield* ArtifactStorage
  const found = yield* storage.get(key)
  assert.isTrue(Option.isNone(found), `expected a miss at ${key.namespace}/${key.hash}, found an artifact`)
  assert.isTrue(Option.isNone(yield* storage.head(key)), "head should miss too")
})

/** The typed error an effect failed with; fails the test when it succeeded, died or was interrupted. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure, but the effect succeeded")
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error)) return assert.fail(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

export const assertStorageError = (error: unknown, operation: string): void => {
  assert.strictEqual((error as { _tag?: unknown })._tag, "StorageError", `expected a StorageError from ${operation}`)
}

export const assertCreatedNow = (info: ArtifactInfo, before: number, after: number): void => {
  // Remote backends may stamp with their own clock and whole-second precision.
  const slackMs = 5_000
  assert.isTrue(
    info.createdAt >= before - slackMs && info.createdAt <= after + slackMs,
    `createdAt ${info.createdAt} should be between ${before} and ${after} (± ${slackMs} ms)`
  )
}

/** `bytes` in chunks, yielding to other fibers between chunks so that concurrent writers interleave. */
export const interleavedChunks = (bytes: Uint8Array, chunkSize = 64 * 1024): Stream.Stream<Uint8Array> =>
  chunked(bytes, chunkSize).pipe(Stream.tap(() => Effect.yieldNow))
