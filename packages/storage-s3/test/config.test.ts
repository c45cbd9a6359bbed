import { createServer } from "node:net"
import type { Server, Socket } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { S3Storage } from "@hoard/storage-s3"
import { Effect, Exit, Layer, Option } from "effect"
import { inject } from "vitest"
import { createBucket, randomBucketName, testCredentials } from "./support/buckets.ts"

const endpoint = inject("fauxqsEndpoint")

/** Builds the layer and returns its StorageError message (failing the test if it built), and how long it took. */
const buildFailure = (options: S3Storage.S3StorageOptions) =>
  Effect.gen(function*() {
    const started = Date.now()
    const exit = yield* Layer.build(S3Storage.layer(options)).pipe(Effect.scoped, Effect.exit)
    const elapsedMs = Date.now() - started
    assert.isTrue(Exit.isFailure(exit), "building the storage should fail")
    const error = Exit.isFailure(exit) ? Exit.findErrorOption(exit).pipe(Option.getOrUndefined) : undefined
    assert.strictEqual(error?._tag, "StorageError")
    assert.strictEqual(error?.operation, "check")
    return { message: error?.message ?? "", elapsedMs }
  })

/** A TCP server on 127.0.0.1 that accepts connections and never answers. */
const blackHole = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ server: Server; sockets: Set<Socket>; port: number }>((resolve) => {
      const sockets = new Set<Socket>()
      const server = createServer((socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resolve({ server, sockets, port: typeof address === "object" && address !== null ? address.port : 0 })
      })
    })
  ),
  ({ server, sockets }) =>
    Effect.promise(() => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    })
)

/** A port nothing listens on: bound, then released. */
const closedPort = Effect.map(blackHole, ({ port }) => port).pipe(Effect.scoped)

describe("S3 storage configuration", () => {
  it.effect("builds against an existing bucket; check passes", () =>
    Effect.gen(function*() {
      const bucket = randomBucketName("config")
      yield* Effect.promise(() => createBucket(endpoint, bucket))
      const storage = yield* S3Storage.make({ bucket, endpoint, credentials: testCredentials })
      yield* storage.check
    }).pipe(Effect.scoped))

  it.effect("a missing bucket fails at startup, naming the bucket and the endpoint", () =>
    Effect.gen(function*() {
      const { message } = yield* buildFailure({ bucket: "hoard-no-such-bucket", endpoint, credentials: testCredentials })
      assert.strictEqual(message, `S3 storage is not ready: the bucket "hoard-no-such-bucket" does not exist at ${endpoint}`)
    }))

  it.effect("an endpoint nothing listens on fails at startup within seconds", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const { elapsedMs, message } = yield* buildFailure({
        bucket: "any-bucket",
        endpoint: `http://127.0.0.1:${port}`,
        credentials: testCredentials
      })
      assert.match(message, new RegExp(`^S3 storage is not ready: cannot reach S3 at http://127\\.0\\.0\\.1:${port}: connection refused after 3 attempts`, "u"))
      assert.isBelow(elapsedMs, 5_000)
    }))

  it.effect("a backend that accepts connections but never answers fails at startup after the socket timeout", () =>
    Effect.gen(function*() {
      const { port } = yield* blackHole
      const { elapsedMs, message } = yield* buildFailure({
        bucket: "any-bucket",
        endpoint: `http://127.0.0.1:${port}`,
        credentials: testCredentials,
        socketTimeout: 300,
        maxAttempts: 2
      })
      assert.match(message, /^S3 storage is not ready: cannot reach S3 at .*: timed out after 2 attempts/u)
      assert.isBelow(elapsedMs, 3_000)
    }).pipe(Effect.scoped))

  it.effect("invalid options are refused before any request is made", () =>
    Effect.gen(function*() {
      const base = { bucket: "any-bucket", endpoint: "http://127.0.0.1:9", credentials: testCredentials }
      const cases: ReadonlyArray<readonly [Partial<S3Storage.S3StorageOptions>, RegExp]> = [
        [{ bucket: " " }, /the S3 bucket name is empty/u],
        [{ partSize: 1024 * 1024 }, /partSize must be an integer of at least 5242880 bytes/u],
        [{ queueSize: 0 }, /queueSize must be an integer of at least 1/u],
        [{ maxAttempts: 1.5 }, /maxAttempts must be an integer of at least 1/u],
        [{ listPageSize: 0 }, /listPageSize must be an integer of at least 1/u],
        [{ socketTimeout: 0 }, /socketTimeout must be a positive number of milliseconds/u],
        [{ endpoint: "not a url" }, /the S3 endpoint "not a url" is not a URL/u]
      ]
      for (const [overrides, pattern] of cases) {
        const { elapsedMs, message } = yield* buildFailure({ ...base, ...overrides })
        assert.match(message, /^invalid S3 storage options: /u)
        assert.match(message, pattern)
        assert.isBelow(elapsedMs, 100, "no request was attempted")
      }
    }))

  it("describe() gives the storage URL and the endpoint for a banner", () => {
    assert.strictEqual(
      S3Storage.describe({ bucket: "cache", prefix: "/turbo/", endpoint: "http://127.0.0.1:9000", region: "auto" }),
      "s3://cache/turbo (endpoint http://127.0.0.1:9000, region auto)"
    )
    assert.strictEqual(S3Storage.describe({ bucket: "cache" }), "s3://cache")
  })
})
