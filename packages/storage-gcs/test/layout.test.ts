import { assert, describe, it } from "@effect/vitest"
import type { ArtifactStorageShape } from "@hoard/core"
import { bytesOf, chunked, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Effect, Exit, Logger, Option, Stream } from "effect"
import { GcsStorage } from "../src/index.ts"
import { emulatorOptions, freshBucket, rawClient } from "./support/emulator.ts"

const putBytes = (storage: ArtifactStorageShape, key: Parameters<ArtifactStorageShape["put"]>[0], bytes: Uint8Array, tag: string) =>
  storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata: { durationMs: 42, tag } })

const listedHashes = (storage: ArtifactStorageShape, namespace: ReturnType<typeof randomNamespace>) =>
  Stream.runCollect(storage.list({ namespace })).pipe(Effect.map((entries) => entries.map((entry) => entry.key.hash).sort()))

describe("GcsStorage object layout", () => {
  it.live("stores <prefix>/<namespace>/<hash> with the whole info as custom metadata of the object", () =>
    Effect.gen(function*() {
      const options = emulatorOptions({ prefix: "/turbo/cache/" })
      const storage = yield* GcsStorage.make(options)
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(5_000)
      const metadata = {
        durationMs: 987,
        // Everything a header may carry, including characters that need escaping elsewhere.
        tag: `${"t".repeat(560)} "q" %20 a=b, c;d \\ / ~!`,
        sha: "0123456789abcdef0123456789abcdef01234567",
        dirtyHash: "dirty",
        clientCi: "GITHUB_ACTIONS"
      }
      const before = Date.now()
      yield* storage.put(key, chunked(bytes), { size: bytes.byteLength, metadata })

      const [object] = yield* Effect.promise(() =>
        rawClient().bucket(options.bucket).file(`turbo/cache/${key.namespace}/${key.hash}`).getMetadata()
      )
      assert.strictEqual(Number(object.size), bytes.byteLength)
      assert.strictEqual(object.contentType, "application/octet-stream")
      const custom = object.metadata ?? {}
      assert.strictEqual(custom["hoard-size"], "5000")
      assert.strictEqual(custom["hoard-duration-ms"], "987")
      assert.strictEqual(custom["hoard-tag"], metadata.tag)
      assert.strictEqual(custom["hoard-sha"], metadata.sha)
      assert.strictEqual(custom["hoard-dirty-hash"], "dirty")
      assert.strictEqual(custom["hoard-client-ci"], "GITHUB_ACTIONS")
      assert.isAtLeast(Number(custom["hoard-created-at"]), before)

      const artifact = Option.getOrThrow(yield* storage.get(key))
      assert.deepStrictEqual(artifact.info.metadata, metadata)
      assert.strictEqual(sha256(yield* bytesOf(artifact.body)), sha256(bytes))
    }).pipe(Effect.scoped))

  it.live("prefixes isolate storages sharing a bucket", () =>
    Effect.gen(function*() {
      const bucket = freshBucket()
      const teamA = yield* GcsStorage.make(emulatorOptions({ bucket, prefix: "team-a/cache" }))
      const teamB = yield* GcsStorage.make(emulatorOptions({ bucket, prefix: "team-b" }))
      const unprefixed = yield* GcsStorage.make(emulatorOptions({ bucket }))
      const parent = yield* GcsStorage.make(emulatorOptions({ bucket, prefix: "team-a" }))
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytesA = randomBytes(1_000)
      const bytesB = randomBytes(2_000)
      yield* putBytes(teamA, key, bytesA, "a")
      assert.isTrue(Option.isNone(yield* teamB.head(key)), "another prefix does not see the artifact")
      yield* putBytes(teamB, key, bytesB, "b")

      assert.strictEqual(sha256(yield* bytesOf(Option.getOrThrow(yield* teamA.get(key)).body)), sha256(bytesA))
      assert.strictEqual(Option.getOrThrow(yield* teamB.head(key)).metadata.tag, "b")
      assert.deepStrictEqual(yield* listedHashes(teamA, key.namespace), [key.hash])
      assert.deepStrictEqual(yield* listedHashes(unprefixed, key.namespace), [])
      assert.isTrue(Option.isNone(yield* unprefixed.get(key)))
      // "team-a" + namespace "cache" lies right above team A's artifacts: they are not its own.
      const cacheNamespace = "cache" as typeof key.namespace
      assert.deepStrictEqual(yield* listedHashes(parent, cacheNamespace), [])

      assert.isTrue(yield* teamA.delete(key))
      assert.isTrue(Option.isSome(yield* teamB.head(key)), "deleting under one prefix leaves the other")
    }).pipe(Effect.scoped))

  it.live("namespaces lists the namespace folders under the prefix, and only those", () =>
    Effect.gen(function*() {
      const bucket = freshBucket()
      const storage = yield* GcsStorage.make(emulatorOptions({ bucket, prefix: "spaces/listed" }))
      const neighbour = yield* GcsStorage.make(emulatorOptions({ bucket, prefix: "spaces/listed-too" }))
      const namespaces = Array.from({ length: 5 }, randomNamespace)
      for (const namespace of namespaces) {
        for (const hash of [randomHash("a"), randomHash("b")]) yield* putBytes(storage, { namespace, hash }, randomBytes(10), "n")
      }
      const emptied = { namespace: randomNamespace(), hash: randomHash() }
      yield* putBytes(storage, emptied, randomBytes(10), "emptied")
      assert.isTrue(yield* storage.delete(emptied))
      yield* putBytes(neighbour, { namespace: randomNamespace(), hash: randomHash() }, randomBytes(10), "neighbour")
      const raw = rawClient().bucket(bucket)
      for (const name of ["spaces/listed/stray-object", "spaces/listed/not a namespace!/x", "spaces/elsewhere/x"]) {
        yield* Effect.promise(() => raw.file(name).save("x", { resumable: false }))
      }

      const listed = yield* Stream.runCollect(storage.namespaces)
      assert.deepStrictEqual([...listed].sort(), [...namespaces].sort())
    }).pipe(Effect.scoped))

  it.live("a body read after an overwrite fails with a StorageError instead of yielding the new version", () =>
    Effect.gen(function*() {
      const storage = yield* GcsStorage.make(emulatorOptions())
      const key = { namespace: randomNamespace(), hash: randomHash() }
      yield* putBytes(storage, key, randomBytes(10_000), "old")
      const old = Option.getOrThrow(yield* storage.get(key))
      yield* putBytes(storage, key, randomBytes(10_000), "new")
      const read = yield* Effect.exit(bytesOf(old.body))
      assert.isTrue(Exit.isFailure(read))
      const error = Exit.findErrorOption(read).pipe(Option.getOrUndefined)
      assert.strictEqual(error?._tag, "StorageError")
      assert.match(error?.message ?? "", /was replaced or deleted while it was being read/u)
    }).pipe(Effect.scoped))

  it.live("objects under the prefix that are not artifacts are skipped; corrupt ones are misses, logged once and counted", () =>
    Effect.gen(function*() {
      const options = emulatorOptions({ prefix: "p" })
      const storage = yield* GcsStorage.make(options)
      const namespace = randomNamespace()
      const hash = randomHash()
      yield* putBytes(storage, { namespace, hash }, randomBytes(10), "real")
      const bucket = rawClient().bucket(options.bucket)
      const foreign = { namespace, hash: randomHash() }
      yield* Effect.promise(() => bucket.file(`p/${namespace}/README.txt`).save("not an artifact", { resumable: false }))
      yield* Effect.promise(() => bucket.file(`p/${namespace}/${foreign.hash}`).save("no metadata", { resumable: false }))

      const warnings: Array<string> = []
      const captured = Logger.layer([
        Logger.make((options) => {
          if (options.logLevel === "Warn") warnings.push((options.message as ReadonlyArray<unknown>).map(String).join(" "))
        })
      ])
      yield* Effect.gen(function*() {
        for (let i = 0; i < 2; i++) {
          assert.isTrue(Option.isNone(yield* storage.get(foreign)), "get misses")
          assert.isTrue(Option.isNone(yield* storage.head(foreign)), "head misses")
          assert.deepStrictEqual(yield* listedHashes(storage, namespace), [hash], "neither the README nor the corrupt object is listed")
        }
      }).pipe(Effect.provide(captured))
      assert.strictEqual(yield* storage.corruptEntries, 1)
      assert.strictEqual(warnings.length, 1, `one warning, got ${JSON.stringify(warnings)}`)
      assert.include(warnings[0] ?? "", `${namespace}/${foreign.hash}`)
      assert.include(warnings[0] ?? "", "metadata is missing or malformed")
    }).pipe(Effect.scoped))
})
