import { assert, layer } from "@effect/vitest"
import type { ArtifactStorageShape } from "@hoard/core"
import { S3Storage } from "@hoard/storage-s3"
import { bytesOf, chunked, digestOf, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Effect, Exit, Fiber, Option, Stream } from "effect"
import { generatedBody, MiB } from "./support/bodies.ts"
import { testCredentials } from "./support/buckets.ts"
import { layerRestartableFauxqs, RestartableFauxqs } from "./support/RestartableFauxqs.ts"

const metadata = { durationMs: 10, tag: "outage" }

/** Runs `effect`, expecting a StorageError matching `pattern` within `withinMs`. */
const expectFastStorageError = Effect.fnUntraced(function*<A, E>(
  what: string,
  effect: Effect.Effect<A, E>,
  pattern: RegExp,
  withinMs: number
) {
  const started = Date.now()
  const exit = yield* Effect.exit(effect)
  const elapsed = Date.now() - started
  assert.isTrue(Exit.isFailure(exit), `${what} should fail`)
  const error = Exit.isFailure(exit) ? Exit.findErrorOption(exit).pipe(Option.getOrUndefined) : undefined
  assert.strictEqual((error as { _tag?: string } | undefined)?._tag, "StorageError", `${what} fails with a StorageError`)
  assert.match((error as { message: string }).message, pattern, what)
  assert.isBelow(elapsed, withinMs, `${what} fails within ${withinMs} ms`)
})

const storageOn = Effect.fnUntraced(function*(overrides: Partial<S3Storage.S3StorageOptions> = {}) {
  const server = yield* RestartableFauxqs
  return yield* S3Storage.make({
    bucket: server.bucket,
    endpoint: server.endpoint,
    credentials: testCredentials,
    maxAttempts: 2,
    connectionTimeout: 1_000,
    socketTimeout: 1_500,
    ...overrides
  })
})

const readAll = (storage: ArtifactStorageShape, key: Parameters<ArtifactStorageShape["get"]>[0]) =>
  Effect.flatMap(storage.get(key), (found) => bytesOf(Option.getOrThrow(found).body))

layer(layerRestartableFauxqs, { excludeTestServices: true, timeout: "60 seconds" })("S3 adapter when the backend fails", (it) => {
  it.effect("a stopped backend fails every operation with a StorageError within seconds; the same storage recovers", () =>
    Effect.gen(function*() {
      const server = yield* RestartableFauxqs
      const storage = yield* storageOn()
      const namespace = randomNamespace()
      const kept = { namespace, hash: randomHash() }
      const bytes = randomBytes(50_000)
      yield* storage.put(kept, chunked(bytes), { size: bytes.byteLength, metadata })

      yield* server.stop
      const unreachable = /cannot reach S3 at http:\/\/127\.0\.0\.1:\d+: connection refused after 2 attempts/u
      const refused = { namespace, hash: randomHash() }
      yield* expectFastStorageError("check", storage.check, /not ready: cannot reach S3/u, 3_000)
      yield* expectFastStorageError("head", storage.head(kept), unreachable, 3_000)
      yield* expectFastStorageError("get", storage.get(kept), unreachable, 3_000)
      yield* expectFastStorageError("delete", storage.delete(kept), unreachable, 3_000)
      yield* expectFastStorageError("list", Stream.runCollect(storage.list({ namespace })), unreachable, 3_000)
      yield* expectFastStorageError(
        "namespaces",
        Stream.runCollect(storage.namespaces),
        /cannot list the namespaces in s3:\/\/[^/]+\/: cannot reach S3 .* connection refused after 2 attempts/u,
        3_000
      )
      yield* expectFastStorageError(
        "put",
        storage.put(refused, chunked(randomBytes(1000)), { size: 1000, metadata }),
        unreachable,
        3_000
      )

      yield* server.restart
      yield* storage.check
      assert.strictEqual(sha256(yield* readAll(storage, kept)), sha256(bytes), "the artifact is served again")
      assert.isTrue(Option.isNone(yield* storage.head(refused)), "the refused put stored nothing")
      yield* storage.put(refused, chunked(randomBytes(1000)), { size: 1000, metadata })
      assert.isTrue(Option.isSome(yield* storage.head(refused)))
    }), 60_000)

  it.effect("a backend that stops answering fails requests, and a body mid-download, after the socket timeout", () =>
    Effect.gen(function*() {
      const server = yield* RestartableFauxqs
      const storage = yield* storageOn({ maxAttempts: 1, socketTimeout: 800 })
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(32 * MiB)
      yield* storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata })

      yield* server.pause
      yield* expectFastStorageError("head of a paused backend", storage.head(key), /timed out/u, 4_000)
      yield* expectFastStorageError("namespaces of a paused backend", Stream.runCollect(storage.namespaces), /timed out/u, 4_000)
      yield* server.resume

      const artifact = Option.getOrThrow(yield* storage.get(key))
      let paused = false
      const started = Date.now()
      const read = yield* artifact.body.pipe(
        Stream.tap(() => paused ? Effect.void : Effect.andThen(server.pause, Effect.sync(() => (paused = true)))),
        Stream.runDrain,
        Effect.exit
      )
      yield* server.resume
      assert.isTrue(paused)
      assert.isTrue(Exit.isFailure(read), "a download that stalls fails")
      const error = Exit.isFailure(read) ? Exit.findErrorOption(read).pipe(Option.getOrUndefined) : undefined
      assert.strictEqual(error?._tag, "StorageError")
      assert.match(error?.message ?? "", /the download broke off: .*timed out/u)
      assert.isBelow(Date.now() - started, 5_000)
    }), 60_000)

  it.effect("a 64 MiB streamed upload reads at most (queueSize + 1) parts ahead of what the backend took", () =>
    Effect.gen(function*() {
      const server = yield* RestartableFauxqs
      const partSize = 5 * MiB
      const queueSize = 2
      const storage = yield* storageOn({ partSize, queueSize, socketTimeout: 10_000 })
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const totalBytes = 64 * MiB
      const body = generatedBody(totalBytes)

      // With the backend stalled from the start it acknowledges nothing, so
      // everything read from the body is held by the adapter.
      yield* server.pause
      const upload = yield* storage.put(key, body.stream, { size: totalBytes, metadata }).pipe(Effect.forkChild)
      yield* Effect.sleep("1 second")
      const stalledAt = body.progress.pulled
      yield* Effect.sleep("300 millis")
      const later = body.progress.pulled
      yield* server.resume
      assert.isAbove(stalledAt, partSize, "the upload got under way")
      assert.strictEqual(later, stalledAt, "nothing more is read while the backend is stalled")
      assert.isAtMost(stalledAt, (queueSize + 1) * partSize, `read ${stalledAt} bytes ahead of a stalled backend`)

      yield* Fiber.join(upload)
      const artifact = Option.getOrThrow(yield* storage.get(key))
      const read = yield* digestOf(artifact.body)
      assert.deepStrictEqual(read, { size: totalBytes, sha256: body.expectedSha256 })
    }), 60_000)
})
