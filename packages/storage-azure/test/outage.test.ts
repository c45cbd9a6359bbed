import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import type { ArtifactStorageShape, StorageError } from "@hoard/core"
import { AzureStorage } from "@hoard/storage-azure"
import { bytesOf, chunked, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Effect, Fiber, Option, Stream } from "effect"
import { startAzurite, temporaryLocation } from "./azurite.ts"
import type { Azurite } from "./azurite.ts"
import { failureOf, metadataOf } from "./fixtures.ts"

// A test-local Azurite that these tests stop, kill, freeze and restart; on disk so that data survives a restart.
let azurite: Azurite
let location: Awaited<ReturnType<typeof temporaryLocation>>

beforeAll(async () => {
  location = await temporaryLocation()
  azurite = await startAzurite({ location: location.path })
}, 60_000)

afterAll(async () => {
  await azurite.stop()
  await location.remove()
})

const restart = Effect.promise(async () => {
  azurite = await startAzurite({ port: azurite.port, location: location.path })
})

const storageWith = (timeoutMs: number) =>
  AzureStorage.make({
    container: "outage",
    credentials: { connectionString: azurite.connectionString },
    createContainer: true,
    timeoutMs
  })

/** Runs `effect`, expects a StorageError for `operation` within `withinMs`, and returns it. */
const failsQuickly = <A>(effect: Effect.Effect<A, StorageError>, operation: string, withinMs: number) =>
  Effect.gen(function*() {
    const started = Date.now()
    const error = failureOf(yield* Effect.exit(effect))
    const elapsed = Date.now() - started
    assert.strictEqual(error._tag, "StorageError", `${operation} fails with a StorageError`)
    assert.strictEqual(error.operation, operation)
    assert.isBelow(elapsed, withinMs, `${operation} failed after ${elapsed} ms: ${error.message}`)
    return error
  })

/** Every operation fails with a StorageError within `withinMs`; returns the check's error. */
const everyOperationFails = (storage: ArtifactStorageShape, withinMs: number) =>
  Effect.gen(function*() {
    const key = { namespace: randomNamespace(), hash: randomHash() }
    const bytes = randomBytes(1000)
    yield* failsQuickly(storage.head(key), "head", withinMs)
    yield* failsQuickly(storage.get(key), "get", withinMs)
    yield* failsQuickly(storage.put(key, chunked(bytes), { size: 1000, metadata: metadataOf("x") }), "put", withinMs)
    yield* failsQuickly(storage.delete(key), "delete", withinMs)
    yield* failsQuickly(Stream.runCollect(storage.list({ namespace: key.namespace })), "list", withinMs)
    yield* failsQuickly(Stream.runCollect(storage.namespaces), "namespaces", withinMs)
    return yield* failsQuickly(storage.check, "check", withinMs)
  })

describe("AzureStorage when the backend goes away or stalls", () => {
  it.live("a stopped backend gives StorageErrors within seconds; the same storage recovers when it is back", () =>
    Effect.gen(function*() {
      const storage = yield* storageWith(10_000)
      const before = { namespace: randomNamespace(), hash: randomHash() }
      const beforeBytes = randomBytes(2000)
      yield* storage.put(before, chunked(beforeBytes), { size: beforeBytes.byteLength, metadata: metadataOf("before") })

      yield* Effect.promise(() => azurite.stop())
      const checkError = yield* everyOperationFails(storage, 3_000)
      assert.include(checkError.message, "cannot reach Azure Blob Storage (ECONNREFUSED)")

      yield* restart
      yield* storage.check
      const artifact = Option.getOrThrow(yield* storage.get(before))
      assert.strictEqual(sha256(yield* bytesOf(artifact.body)), sha256(beforeBytes), "data written before the outage")
      const after = { namespace: before.namespace, hash: randomHash() }
      const afterBytes = randomBytes(3000)
      yield* storage.put(after, chunked(afterBytes), { size: afterBytes.byteLength, metadata: metadataOf("after") })
      assert.strictEqual(Option.getOrThrow(yield* storage.head(after)).size, 3000)
    }), 60_000)

  it.live("a backend dying mid-download fails the body with a StorageError within seconds", () =>
    Effect.gen(function*() {
      const storage = yield* storageWith(10_000)
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(24 * 1024 * 1024)
      yield* storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata: metadataOf("large") })

      // Read one chunk, then kill Azurite under the reader (a graceful stop would wait for the download).
      const reading = Option.getOrThrow(yield* storage.get(key))
      let chunks = 0
      let received = 0
      const started = Date.now()
      const exit = yield* reading.body.pipe(
        Stream.runForEach((chunk) => {
          chunks += 1
          received += chunk.byteLength
          return chunks === 1 ? Effect.promise(() => azurite.stop("SIGKILL")) : Effect.void
        }),
        Effect.exit
      )
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "StorageError")
      assert.strictEqual(error.operation, "get")
      assert.isBelow(received, bytes.byteLength, "the body stopped short")
      assert.isBelow(Date.now() - started, 15_000)
      yield* restart
    }), 60_000)

  it.live("an upload stops pulling the body while Azure accepts no blocks: memory stays bounded", () =>
    Effect.gen(function*() {
      const blockSize = 256 * 1024
      const storage = yield* AzureStorage.make({
        container: "outage",
        credentials: { connectionString: azurite.connectionString },
        createContainer: true,
        timeoutMs: 20_000,
        blockSize,
        maxConcurrency: 2
      })
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(16 * 1024 * 1024)
      let pulled = 0
      const body = chunked(bytes).pipe(Stream.tap((chunk) => Effect.sync(() => (pulled += chunk.byteLength))))

      azurite.process.kill("SIGSTOP")
      const pulledWhileHung = yield* Effect.gen(function*() {
        const upload = yield* storage.put(key, body, { size: bytes.byteLength, metadata: metadataOf("bounded") })
          .pipe(Effect.forkChild)
        yield* Effect.sleep("1 second")
        const pulledThen = pulled
        azurite.process.kill("SIGCONT")
        yield* Fiber.join(upload)
        return pulledThen
      }).pipe(Effect.ensuring(Effect.sync(() => azurite.process.kill("SIGCONT"))))

      assert.isAbove(pulledWhileHung, 0)
      // Two blocks in flight, one waiting for a slot, one filling, plus a chunk: far less than the 16 MiB offered.
      assert.isAtMost(pulledWhileHung, 5 * blockSize, `pulled ${pulledWhileHung} bytes while Azure was hung`)
      const artifact = Option.getOrThrow(yield* storage.get(key))
      assert.strictEqual(sha256(yield* bytesOf(artifact.body)), sha256(bytes))
    }), 60_000)

  it.live("a hung backend gives StorageErrors after timeoutMs; the same storage recovers when it answers again", () =>
    Effect.gen(function*() {
      const storage = yield* storageWith(1_000)
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(2000)
      yield* storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata: metadataOf("hung") })

      azurite.process.kill("SIGSTOP")
      const checkError = yield* everyOperationFails(storage, 3_000).pipe(
        Effect.ensuring(Effect.sync(() => azurite.process.kill("SIGCONT")))
      )
      assert.include(checkError.message, "no answer from Azure within 1000 ms")

      yield* storage.check
      assert.strictEqual(Option.getOrThrow(yield* storage.head(key)).metadata.tag, "hung")
    }), 60_000)
})
