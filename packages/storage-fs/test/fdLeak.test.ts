import { readdirSync } from "node:fs"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import type { ArtifactKey } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { chunked, digestOf, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Effect, Fiber, Option, Stream } from "effect"
import { tempDirectory } from "./tempDirectory.ts"

setFlagsFromString("--expose-gc")
const collectGarbage = runInNewContext("gc") as () => void

const openFds = (): number => readdirSync("/proc/self/fd").length

/**
 * Waits (up to 3 s) for closes in flight to finish, then returns how many fds
 * are open. Forces garbage collection only when asked, so that the GC safety
 * net cannot hide a leak elsewhere.
 */
const openFdsAfterSettling = (baseline: number, forceGc: boolean) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 60 && openFds() > baseline; attempt++) {
      if (forceGc) collectGarbage()
      yield* Effect.sleep("50 millis")
    }
    return openFds()
  })

const rounds = 100
/** Larger than what get reads along with the header, so the body streams from the open fd. */
const artifactBytes = randomBytes(512 * 1024)

const withStoredArtifact = <A, E>(use: (key: ArtifactKey) => Effect.Effect<A, E, ArtifactStorage>, forceGc = false) =>
  Effect.gen(function*() {
    const directory = yield* tempDirectory
    return yield* Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const key = { namespace: randomNamespace(), hash: randomHash() }
      yield* storage.put(key, chunked(artifactBytes), { size: artifactBytes.byteLength, metadata: { durationMs: 1 } })
      const baseline = openFds()
      yield* use(key)
      assert.strictEqual(yield* openFdsAfterSettling(baseline, forceGc), baseline, "open fds are back to where they were")
    }).pipe(Effect.provide(FsStorage.layer({ directory })))
  })

const getArtifact = (key: ArtifactKey) =>
  Effect.gen(function*() {
    const storage = yield* ArtifactStorage
    return Option.getOrThrow(yield* storage.get(key))
  })

const repeat = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.forEach(Array.from({ length: rounds }), () => effect, { concurrency: 10, discard: true })

describe("FsStorage open files", () => {
  it.live("reads run to the end close their fd", () =>
    withStoredArtifact((key) =>
      repeat(Effect.gen(function*() {
        const read = yield* digestOf((yield* getArtifact(key)).body)
        assert.strictEqual(read.sha256, sha256(artifactBytes))
      }))))

  it.live("reads abandoned after the first chunk close their fd", () =>
    withStoredArtifact((key) =>
      repeat(Effect.gen(function*() {
        const artifact = yield* getArtifact(key)
        yield* Stream.runDrain(Stream.take(artifact.body, 1))
      }))))

  it.live("reads interrupted mid-body close their fd", () =>
    withStoredArtifact((key) =>
      repeat(Effect.gen(function*() {
        const artifact = yield* getArtifact(key)
        const slowRead = artifact.body.pipe(Stream.tap(() => Effect.sleep("2 millis")), Stream.runDrain)
        const fiber = yield* Effect.forkChild(slowRead)
        yield* Effect.sleep("3 millis")
        yield* Fiber.interrupt(fiber)
      }))))

  it.live("gets interrupted while opening the file leave no fd open", () =>
    withStoredArtifact((key) =>
      repeat(Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(getArtifact(key))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
      }))))

  it.live("bodies never run are closed once garbage-collected", () =>
    withStoredArtifact((key) => repeat(Effect.asVoid(getArtifact(key))), true))

  it.live("a body runs once; running it again fails with a StorageError", () =>
    withStoredArtifact((key) =>
      Effect.gen(function*() {
        const artifact = yield* getArtifact(key)
        assert.strictEqual((yield* digestOf(artifact.body)).size, artifactBytes.byteLength)
        const error = yield* Effect.flip(digestOf(artifact.body))
        assert.strictEqual(error._tag, "StorageError")
        assert.include(error.message, "can be read only once")
      })))
})
