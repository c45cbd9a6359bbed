import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3"
import { assert, layer } from "@effect/vitest"
import type { ArtifactKey, ArtifactMetadata, ArtifactStorageShape } from "@hoard/core"
import { S3Storage } from "@hoard/storage-s3"
import { bytesOf, chunked, digestOf, failingAfter, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Cause, Deferred, Effect, Exit, Fiber, Logger, Option, Schedule, Stream } from "effect"
import type { Layer } from "effect"
import { BodyFailed, MiB } from "./bodies.ts"
import { rawClient } from "./buckets.ts"
import { TestBucket } from "./TestBucket.ts"

const metadata: ArtifactMetadata = { durationMs: 4321, tag: "tag-value", sha: "0123abcd" }
const testTimeout = 60_000

/** A raw SDK client on the test bucket, destroyed with the test's scope. */
const raw = Effect.gen(function*() {
  const bucket = yield* TestBucket
  return yield* Effect.acquireRelease(
    Effect.sync(() => rawClient(bucket.endpoint, bucket.clientConfig)),
    (client) => Effect.sync(() => client.destroy())
  )
})

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure, but the effect succeeded")
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error)) return assert.fail(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

const assertStorageError = (error: unknown, pattern: RegExp) => {
  assert.strictEqual((error as { _tag?: string })._tag, "StorageError")
  assert.match((error as { message: string }).message, pattern)
}

/** Nothing at `key`, and no multipart upload for it left open on the server. */
const assertNothingLeft = Effect.fnUntraced(function*(storage: ArtifactStorageShape, key: ArtifactKey, objectKey: string) {
  const bucket = yield* TestBucket
  assert.isTrue(Option.isNone(yield* storage.head(key)), "no object was stored")
  const open = yield* bucket.openUploads
  assert.notInclude(open, objectKey, "the multipart upload was aborted")
})

/** Adapter behaviour the conformance suite cannot see: object layout, metadata encoding, multipart cleanup. */
export const adapterSuite = (name: string, bucketLayer: Layer.Layer<TestBucket>): void =>
  layer(bucketLayer, { excludeTestServices: true, timeout: "60 seconds" })(`S3 adapter on ${name}`, (it) => {
    it.effect("metadata is written as x-amz-meta-* with the object, and awkward values round-trip", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "meta" }))
        const awkward: ArtifactMetadata = {
          durationMs: 98_765,
          tag: "  spaces at both ends  ",
          sha: "",
          dirtyHash: `quote " backslash \\ percent %41 and  two  spaces`,
          clientCi: "c".repeat(256)
        }
        const key = { namespace: randomNamespace(), hash: randomHash() }
        const bytes = randomBytes(3000)
        yield* storage.put(key, chunked(bytes, 1000), { size: bytes.byteLength, metadata: awkward })

        const client = yield* raw
        const head = yield* Effect.promise(() =>
          client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: `meta/${key.namespace}/${key.hash}` }))
        )
        const stored = head.Metadata ?? {}
        assert.strictEqual(stored["size"], "3000")
        assert.strictEqual(stored["duration-ms"], "98765")
        assert.match(stored["created-at"] ?? "", /^\d{13}$/u)
        assert.strictEqual(stored["tag-json"], JSON.stringify(awkward.tag), "a value HTTP would trim is stored as JSON")
        assert.strictEqual(stored["sha-json"], `""`, "an empty value is stored as JSON")
        assert.strictEqual(stored["dirty-hash"], awkward.dirtyHash, "a header-safe value is stored verbatim")
        assert.strictEqual(stored["client-ci"], awkward.clientCi)

        const artifact = Option.getOrThrow(yield* storage.get(key))
        assert.deepStrictEqual(artifact.info.metadata, awkward)
        assert.strictEqual(sha256(yield* bytesOf(artifact.body)), sha256(bytes))
        assert.deepStrictEqual(yield* storage.head(key), Option.some(artifact.info))
        const listed = yield* Stream.runCollect(storage.list({ namespace: key.namespace }))
        assert.deepStrictEqual(listed, [{ key, info: artifact.info }])

        const longest: ArtifactMetadata = {
          durationMs: 2_147_483_647,
          tag: " ".concat("t".repeat(599)),
          sha: "s".repeat(256),
          dirtyHash: "d".repeat(256),
          clientCi: "c".repeat(256)
        }
        yield* storage.put(key, Stream.empty, { size: 0, metadata: longest })
        assert.deepStrictEqual(Option.map(yield* storage.head(key), (info) => info.metadata), Option.some(longest))
      }), testTimeout)

    it.effect("objects live at <prefix>/<namespace>/<hash>, and prefixes isolate storages sharing a bucket", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const a = yield* S3Storage.make(bucket.options({ prefix: "/layout/a/" }))
        const b = yield* S3Storage.make(bucket.options({ prefix: "layout/b" }))
        const unprefixed = yield* S3Storage.make(bucket.options())
        const namespace = randomNamespace()
        const key = { namespace, hash: randomHash() }
        const bytes = [randomBytes(100), randomBytes(200), randomBytes(300)] as const
        yield* a.put(key, chunked(bytes[0]), { size: 100, metadata })
        yield* b.put(key, chunked(bytes[1]), { size: 200, metadata })
        yield* unprefixed.put(key, chunked(bytes[2]), { size: 300, metadata })

        const client = yield* raw
        const objects = yield* Effect.promise(() => client.send(new ListObjectsV2Command({ Bucket: bucket.bucket })))
        const keys = (objects.Contents ?? []).map((object) => object.Key).filter((k) => k?.endsWith(key.hash)).sort()
        const expected = [`${namespace}/${key.hash}`, `layout/a/${namespace}/${key.hash}`, `layout/b/${namespace}/${key.hash}`]
        assert.deepStrictEqual(keys, expected.sort())

        for (const [storage, expected] of [[a, bytes[0]], [b, bytes[1]], [unprefixed, bytes[2]]] as const) {
          const artifact = Option.getOrThrow(yield* storage.get(key))
          assert.strictEqual(sha256(yield* bytesOf(artifact.body)), sha256(expected))
          assert.strictEqual((yield* Stream.runCollect(storage.list({ namespace }))).length, 1)
        }
        // Without a prefix, a namespace called "layout" must not pick up the prefixed storages' objects.
        const layoutNamespace = { namespace: "layout" as typeof namespace }
        assert.deepStrictEqual(yield* Stream.runCollect(unprefixed.list(layoutNamespace)), [])

        assert.isTrue(yield* a.delete(key))
        assert.isTrue(Option.isNone(yield* a.head(key)))
        assert.isTrue(Option.isSome(yield* b.head(key)))
        assert.isTrue(Option.isSome(yield* unprefixed.head(key)))
      }), testTimeout)

    it.effect("list pages through more keys than one ListObjectsV2 page holds", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "paged", listPageSize: 2, listConcurrency: 2 }))
        const namespace = randomNamespace()
        const hashes = Array.from({ length: 5 }, () => randomHash())
        for (const hash of hashes) {
          yield* storage.put({ namespace, hash }, chunked(randomBytes(10)), { size: 10, metadata })
        }
        const listed = yield* Stream.runCollect(storage.list({ namespace }))
        assert.deepStrictEqual(listed.map((entry) => entry.key.hash).sort(), [...hashes].sort())
        assert.isTrue(listed.every((entry) => entry.info.size === 10))
      }), testTimeout)

    it.effect("namespaces pages through the namespace folders under the prefix, and only those", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "spaces/listed", listPageSize: 2 }))
        const neighbour = yield* S3Storage.make(bucket.options({ prefix: "spaces/listed-too" }))
        const namespaces = Array.from({ length: 5 }, randomNamespace)
        for (const namespace of namespaces) {
          for (const hash of [randomHash("a"), randomHash("b")]) {
            yield* storage.put({ namespace, hash }, chunked(randomBytes(10)), { size: 10, metadata })
          }
        }
        const emptied = { namespace: randomNamespace(), hash: randomHash() }
        yield* storage.put(emptied, chunked(randomBytes(10)), { size: 10, metadata })
        assert.isTrue(yield* storage.delete(emptied))
        yield* neighbour.put({ namespace: randomNamespace(), hash: randomHash() }, chunked(randomBytes(10)), { size: 10, metadata })
        const client = yield* raw
        for (const key of ["spaces/listed/stray-object", "spaces/listed/not a namespace!/x", "spaces/elsewhere/x"]) {
          yield* Effect.promise(() => client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: "x" })))
        }

        const listed = yield* Stream.runCollect(storage.namespaces)
        assert.deepStrictEqual([...listed].sort(), [...namespaces].sort())
      }), testTimeout)

    it.effect("an object Hoard did not write, or whose size disagrees with its metadata, is a miss, logged once and counted", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "foreign" }))
        const client = yield* raw
        const namespace = randomNamespace()
        const foreign = { namespace, hash: randomHash("f") }
        const damaged = { namespace, hash: randomHash("d") }
        yield* Effect.promise(() =>
          client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: `foreign/${namespace}/${foreign.hash}`, Body: "abc" }))
        )
        yield* Effect.promise(() =>
          client.send(new PutObjectCommand({
            Bucket: bucket.bucket,
            Key: `foreign/${namespace}/${damaged.hash}`,
            Body: "abc",
            Metadata: { "size": "5", "created-at": "1700000000000", "duration-ms": "1" }
          }))
        )
        const warnings: Array<string> = []
        const captured = Logger.layer([
          Logger.make((options) => {
            if (options.logLevel === "Warn") warnings.push((options.message as ReadonlyArray<unknown>).map(String).join(" "))
          })
        ])
        yield* Effect.gen(function*() {
          for (const key of [foreign, damaged, foreign, damaged]) {
            assert.isTrue(Option.isNone(yield* storage.head(key)), `head of ${key.hash} misses`)
            assert.isTrue(Option.isNone(yield* storage.get(key)), `get of ${key.hash} misses`)
          }
          assert.deepStrictEqual(yield* Stream.runCollect(storage.list({ namespace })), [], "list leaves them out")
        }).pipe(Effect.provide(captured))
        assert.strictEqual(yield* storage.corruptEntries, 2)
        assert.strictEqual(warnings.length, 2, `one warning per object, got ${JSON.stringify(warnings)}`)
        assert.include(warnings.find((line) => line.includes(foreign.hash)) ?? "", "not written by Hoard")
        assert.include(warnings.find((line) => line.includes(damaged.hash)) ?? "", "holds 3 bytes but its metadata records 5")
        assert.isTrue(yield* storage.delete(foreign), "delete removes a corrupt object when asked")
        const left = yield* Effect.promise(() =>
          client.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: `foreign/${namespace}/` }))
        )
        assert.deepStrictEqual((left.Contents ?? []).map((object) => object.Key), [`foreign/${namespace}/${damaged.hash}`])
      }), testTimeout)

    it.effect("a body read after a same-size overwrite fails instead of yielding the new version's bytes", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "pinned" }))
        const key = { namespace: randomNamespace(), hash: randomHash() }
        const oldBytes = randomBytes(64 * 1024)
        const newBytes = randomBytes(64 * 1024)
        yield* storage.put(key, chunked(oldBytes), { size: oldBytes.byteLength, metadata: { durationMs: 1, tag: "old" } })
        const artifact = Option.getOrThrow(yield* storage.get(key))
        yield* storage.put(key, chunked(newBytes), { size: newBytes.byteLength, metadata: { durationMs: 2, tag: "new" } })
        // Same size, so only the ETag pin tells the versions apart.
        const read = yield* Effect.exit(bytesOf(artifact.body))
        assert.strictEqual(artifact.info.metadata.tag, "old")
        assertStorageError(failureOf(read), /the artifact was replaced while it was being read/u)
      }), testTimeout)

    it.effect("a multipart upload carries the metadata and reads back byte-identical", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "mp", partSize: 5 * MiB, queueSize: 2 }))
        const key = { namespace: randomNamespace(), hash: randomHash() }
        const bytes = randomBytes(12 * MiB)
        yield* storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata })
        const client = yield* raw
        const head = yield* Effect.promise(() =>
          client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: `mp/${key.namespace}/${key.hash}` }))
        )
        assert.match(head.ETag ?? "", /-3"$/u, "stored as a 3-part multipart upload")
        const artifact = Option.getOrThrow(yield* storage.get(key))
        assert.deepStrictEqual(artifact.info.metadata, metadata)
        const read = yield* digestOf(artifact.body)
        assert.deepStrictEqual(read, { size: bytes.byteLength, sha256: sha256(bytes) })
        // The raw object really is the artifact, not some framing around it.
        const object = yield* Effect.promise(() =>
          client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: `mp/${key.namespace}/${key.hash}` }))
        )
        assert.strictEqual(object.ContentLength, bytes.byteLength)
        ;(object.Body as { destroy?: () => void } | undefined)?.destroy?.()
      }), testTimeout)

    it.effect("a body failing after several parts stores nothing and aborts the multipart upload", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "mp", partSize: 5 * MiB, queueSize: 2 }))
        const key = { namespace: randomNamespace(), hash: randomHash() }
        const previous = randomBytes(1000)
        yield* storage.put(key, chunked(previous), { size: previous.byteLength, metadata })
        const bytes = randomBytes(12 * MiB)
        const exit = yield* storage.put(key, failingAfter(bytes, 11 * MiB, new BodyFailed({ marker: "mp" })), {
          size: bytes.byteLength,
          metadata: { durationMs: 1, tag: "replacement" }
        }).pipe(Effect.exit)
        const error = failureOf(exit)
        assert.instanceOf(error, BodyFailed, "put fails with the body's own error")
        const still = Option.getOrThrow(yield* storage.get(key))
        assert.deepStrictEqual(still.info.metadata, metadata, "the previous version survives")
        assert.strictEqual(sha256(yield* bytesOf(still.body)), sha256(previous))
        assert.notInclude(yield* bucket.openUploads, `mp/${key.namespace}/${key.hash}`, "the multipart upload was aborted")
      }), testTimeout)

    it.effect("a multipart body shorter or longer than its declared size stores nothing and leaves no upload", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "mp", partSize: 5 * MiB, queueSize: 2 }))
        const bytes = randomBytes(12 * MiB)
        const short = { namespace: randomNamespace(), hash: randomHash() }
        const shortExit = yield* storage.put(short, chunked(bytes), { size: 13 * MiB, metadata }).pipe(Effect.exit)
        assertStorageError(failureOf(shortExit), /ended after 12582912 bytes, but its declared size is 13631488/u)
        yield* assertNothingLeft(storage, short, `mp/${short.namespace}/${short.hash}`)

        const long = { namespace: randomNamespace(), hash: randomHash() }
        const longExit = yield* storage.put(long, chunked(bytes), { size: 11 * MiB, metadata }).pipe(Effect.exit)
        assertStorageError(failureOf(longExit), /has more than 11534336 bytes/u)
        yield* assertNothingLeft(storage, long, `mp/${long.namespace}/${long.hash}`)
      }), testTimeout)

    it.effect("an interrupted multipart upload is aborted before the interruption completes", () =>
      Effect.gen(function*() {
        const bucket = yield* TestBucket
        const storage = yield* S3Storage.make(bucket.options({ prefix: "mp", partSize: 5 * MiB, queueSize: 2 }))
        const key = { namespace: randomNamespace(), hash: randomHash() }
        const sent = yield* Deferred.make<void>()
        const stalling = chunked(randomBytes(11 * MiB)).pipe(
          Stream.concat(Stream.fromEffectDrain(Deferred.succeed(sent, undefined))),
          Stream.concat(Stream.never)
        )
        const fiber = yield* storage.put(key, stalling, { size: 20 * MiB, metadata }).pipe(Effect.forkChild)
        yield* Deferred.await(sent)
        const objectKey = `mp/${key.namespace}/${key.hash}`
        // The multipart upload exists on the server before the interruption.
        yield* bucket.openUploads.pipe(
          Effect.filterOrFail((open) => open.includes(objectKey), () => "not yet"),
          Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 100 })
        )
        yield* Fiber.interrupt(fiber)
        yield* assertNothingLeft(storage, key, objectKey)
      }), testTimeout)
  })
