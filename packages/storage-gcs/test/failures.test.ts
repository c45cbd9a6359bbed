import { createServer } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import type { ArtifactStorageShape, StorageError } from "@hoard/core"
import { bytesOf, chunked, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Effect, Exit, Option, Stream } from "effect"
import { GcsStorage } from "../src/index.ts"
import type { GcsStorageOptions } from "../src/index.ts"
import { startEmulator } from "./emulator/EmulatorProcess.ts"
import { emulatorHost, freshBucket } from "./support/emulator.ts"
import { startProxy } from "./support/TcpProxy.ts"

/** Runs `effect`, expecting a StorageError within `withinMs`; returns it. */
const expectStorageError = (effect: Effect.Effect<unknown, unknown>, withinMs: number, label: string) =>
  Effect.gen(function*() {
    const started = Date.now()
    const exit = yield* Effect.exit(effect)
    const elapsed = Date.now() - started
    assert.isTrue(Exit.isFailure(exit), `${label} should fail`)
    const error = Exit.findErrorOption(exit).pipe(Option.getOrUndefined) as StorageError | undefined
    assert.strictEqual(error?._tag, "StorageError", `${label} fails with a StorageError, got ${String(error)}`)
    assert.isBelow(elapsed, withinMs, `${label} failed after ${elapsed} ms`)
    return error!
  })

/** Every operation of `storage` on `key`, each expected to fail. */
const everyOperation = (storage: ArtifactStorageShape, key: { namespace: ReturnType<typeof randomNamespace>; hash: ReturnType<typeof randomHash> }) => {
  const bytes = randomBytes(300_000)
  return {
    head: storage.head(key),
    get: storage.get(key),
    put: storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata: { durationMs: 1 } }),
    delete: storage.delete(key),
    list: Stream.runCollect(storage.list({ namespace: key.namespace })),
    namespaces: Stream.runCollect(storage.namespaces),
    check: storage.check
  }
}

const roundTrip = (storage: ArtifactStorageShape) =>
  Effect.gen(function*() {
    const key = { namespace: randomNamespace(), hash: randomHash() }
    const bytes = randomBytes(50_000)
    yield* storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata: { durationMs: 5 } })
    const artifact = Option.getOrThrow(yield* storage.get(key))
    assert.strictEqual(sha256(yield* bytesOf(artifact.body)), sha256(bytes))
  })

const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as { port: number }
      server.close(() => resolve(address.port))
    })
  })

const buildFails = (options: GcsStorageOptions, withinMs = 5_000) =>
  expectStorageError(Effect.scoped(GcsStorage.make(options)), withinMs, "building the storage")

describe("GcsStorage when the backend fails", () => {
  it.live("a stopped backend fails every operation with a StorageError in seconds; the storage recovers when it is back", () =>
    Effect.gen(function*() {
      const emulator = yield* Effect.acquireRelease(Effect.promise(() => startEmulator()), (emulator) =>
        Effect.promise(() => emulator.stop()))
      // No retries: each operation fails at once (the defaults' retries are covered below).
      const storage = yield* GcsStorage.make({ bucket: "hoard-outage", emulatorHost: emulator.host, retry: { maxRetries: 0 } })
      yield* roundTrip(storage)

      yield* Effect.promise(() => emulator.stop())
      const key = { namespace: randomNamespace(), hash: randomHash() }
      for (const [name, operation] of Object.entries(everyOperation(storage, key))) {
        const error = yield* expectStorageError(operation, 2_000, name)
        assert.match(error.message, /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED/u, name)
      }

      const restarted = yield* Effect.acquireRelease(Effect.promise(() => startEmulator(emulator.port)), (emulator) =>
        Effect.promise(() => emulator.stop()))
      assert.strictEqual(restarted.host, emulator.host)
      yield* storage.check
      yield* roundTrip(storage)
    }).pipe(Effect.scoped), 60_000)

  it.live("a backend that stops answering fails every operation with a StorageError after requestTimeoutMs", () =>
    Effect.gen(function*() {
      const bucket = freshBucket()
      const writer = yield* GcsStorage.make({ bucket, emulatorHost: emulatorHost() })
      const stored = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(10_000)
      yield* writer.put(stored, chunked(bytes), { size: bytes.byteLength, metadata: { durationMs: 1 } })
      const proxy = yield* Effect.acquireRelease(Effect.promise(() => startProxy(emulatorHost())), (proxy) =>
        Effect.promise(() => proxy.close()))
      const storage = yield* GcsStorage.make({ bucket, emulatorHost: proxy.host, requestTimeoutMs: 500, retry: { maxRetries: 0 } })
      const before = Option.getOrThrow(yield* storage.get(stored))

      proxy.stall()
      const operations = { ...everyOperation(storage, stored), "reading a body": bytesOf(before.body) }
      for (const [name, operation] of Object.entries(operations)) {
        const error = yield* expectStorageError(operation, 4_000, name)
        assert.match(error.message, /(did not answer within 500 ms|ETIMEDOUT)/u, name)
      }
    }).pipe(Effect.scoped), 60_000)
})

describe("GcsStorage download timeouts", () => {
  const bigBytes = 16 * 1024 * 1024

  /**
   * One 16 MiB artifact, stored with the default timeout (a loaded machine may
   * take more than 500 ms to store it), and a storage reading it through a
   * stallable proxy with a 500 ms timeout.
   */
  const withBigArtifact = Effect.gen(function*() {
    const bucket = freshBucket()
    const writer = yield* GcsStorage.make({ bucket, emulatorHost: emulatorHost() })
    const key = { namespace: randomNamespace(), hash: randomHash() }
    const bytes = randomBytes(bigBytes)
    yield* writer.put(key, chunked(bytes), { size: bytes.byteLength, metadata: { durationMs: 1 } })
    const proxy = yield* Effect.acquireRelease(Effect.promise(() => startProxy(emulatorHost())), (proxy) =>
      Effect.promise(() => proxy.close()))
    const storage = yield* GcsStorage.make({ bucket, emulatorHost: proxy.host, requestTimeoutMs: 500 })
    return { proxy, storage, key, bytes }
  })

  it.live("a reader pausing longer than requestTimeoutMs still gets every byte", () =>
    Effect.gen(function*() {
      const { bytes, key, storage } = yield* withBigArtifact
      const artifact = Option.getOrThrow(yield* storage.get(key))
      let paused = false
      const read = yield* bytesOf(artifact.body.pipe(
        Stream.tap(() => paused ? Effect.void : Effect.sleep("1200 millis").pipe(Effect.andThen(Effect.sync(() => (paused = true)))))
      ))
      assert.isTrue(paused)
      assert.strictEqual(sha256(read), sha256(bytes))
    }).pipe(Effect.scoped), 60_000)

  it.live("a backend going silent in the middle of a body fails the read with a StorageError", () =>
    Effect.gen(function*() {
      const { key, proxy, storage } = yield* withBigArtifact
      const artifact = Option.getOrThrow(yield* storage.get(key))
      let received = 0
      const error = yield* expectStorageError(
        artifact.body.pipe(
          Stream.tap((chunk) => {
            if (received === 0) proxy.stall()
            received += chunk.byteLength
            return Effect.void
          }),
          Stream.runDrain
        ),
        5_000,
        "reading a body"
      )
      assert.isAbove(received, 0)
      assert.isBelow(received, bigBytes)
      assert.match(error.message, /did not answer within 500 ms/u)
    }).pipe(Effect.scoped), 60_000)
})

describe("GcsStorage configuration errors", () => {
  it.live("an invalid bucket name or prefix fails before any request", () =>
    Effect.gen(function*() {
      const bucket = yield* buildFails({ bucket: "Not_A_Bucket!", emulatorHost: "http://127.0.0.1:9" })
      assert.match(bucket.message, /invalid GCS bucket name "Not_A_Bucket!"/u)
      const prefix = yield* buildFails({ bucket: "fine-bucket", prefix: "a/../b", emulatorHost: "http://127.0.0.1:9" })
      assert.match(prefix.message, /invalid GCS key prefix "a\/\.\.\/b"/u)
      const timeout = yield* buildFails({ bucket: "fine-bucket", requestTimeoutMs: 0, emulatorHost: "http://127.0.0.1:9" })
      assert.match(timeout.message, /requestTimeoutMs/u)
    }))

  it.live("an endpoint nobody listens on fails at startup within seconds with the default retries, naming it", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(closedPort)
      const error = yield* buildFails({ bucket: "hoard-nowhere", emulatorHost: `http://127.0.0.1:${port}` }, 10_000)
      assert.include(error.message, `listing gs://hoard-nowhere/ at http://127.0.0.1:${port} failed: cannot reach`)
      assert.strictEqual(error.operation, "check")
    }))

  it.live("credentials that cannot be loaded fail at startup with a hint", () =>
    Effect.gen(function*() {
      // An authenticated custom endpoint: the SDK must load the credentials before the first request.
      const missingFile = yield* buildFails({
        bucket: freshBucket(),
        apiEndpoint: emulatorHost(),
        keyFilename: "/nonexistent/hoard-key.json"
      })
      assert.match(missingFile.message, /could not obtain credentials .*hoard-key\.json.*check GOOGLE_APPLICATION_CREDENTIALS/u)
      const badKey = yield* buildFails({
        bucket: freshBucket(),
        apiEndpoint: emulatorHost(),
        credentials: { client_email: "hoard@example.iam.gserviceaccount.com", private_key: "not a PEM key" }
      })
      assert.match(badKey.message, /could not obtain credentials/u)
    }))
})
