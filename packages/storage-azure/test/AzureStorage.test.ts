import { createHash, randomBytes as cryptoRandomBytes } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import type { ArtifactMetadata } from "@hoard/core"
import { AzureStorage } from "@hoard/storage-azure"
import { bytesOf, chunked, digestOf, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Effect, Exit, Logger, Option, Stream } from "effect"
import { failureOf, metadataOf, sdkContainer, sharedConnectionString, uniqueContainer } from "./fixtures.ts"

const connectionString = sharedConnectionString()
const container = uniqueContainer("adapter")
const storageWith = (options: Partial<AzureStorage.AzureStorageOptions> = {}) =>
  AzureStorage.make({ container, credentials: { connectionString }, createContainer: true, ...options })

/** `total` random bytes in 64 KiB chunks, generated as they are pulled; `digest()` is valid once the stream ended. */
const randomStream = (total: number) => {
  const hash = createHash("sha256")
  const chunkSize = 64 * 1024
  const stream = Stream.range(0, Math.ceil(total / chunkSize) - 1).pipe(
    Stream.map((i) => {
      const chunk = new Uint8Array(cryptoRandomBytes(Math.min(chunkSize, total - i * chunkSize)))
      hash.update(chunk)
      return chunk
    })
  )
  return { stream, digest: () => hash.digest("hex") }
}

const blobNames = async (prefix: string): Promise<Array<string>> => {
  const names: Array<string> = []
  for await (const blob of sdkContainer(connectionString, container).listBlobsFlat({ prefix })) names.push(blob.name)
  return names
}

describe("AzureStorage", () => {
  it.live("streams a 64 MiB artifact both ways in 4 MiB staged blocks", () =>
    Effect.gen(function*() {
      const storage = yield* storageWith()
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const size = 64 * 1024 * 1024
      const body = randomStream(size)
      yield* storage.put(key, body.stream, { size, metadata: metadataOf("large") })

      const blocks = yield* Effect.promise(() =>
        sdkContainer(connectionString, container).getBlockBlobClient(`${key.namespace}/${key.hash}`).getBlockList("committed")
      )
      assert.strictEqual(blocks.committedBlocks?.length, 16, "one committed block per 4 MiB")
      assert.isTrue(blocks.committedBlocks?.every((block) => block.size === 4 * 1024 * 1024))

      const artifact = Option.getOrThrow(yield* storage.get(key))
      assert.strictEqual(artifact.info.size, size)
      const read = yield* digestOf(artifact.body)
      assert.strictEqual(read.size, size)
      assert.strictEqual(read.sha256, body.digest())
    }), 90_000)

  it.live("round-trips every metadata field through get, head and list, stored as one blob metadata entry", () =>
    Effect.gen(function*() {
      const storage = yield* storageWith()
      const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join("")
      const metadata: ArtifactMetadata = {
        durationMs: 2 ** 40,
        tag: `  ${"\\u0020"} "quoted" {json} ${printable}`.repeat(10).slice(0, 600),
        sha: "",
        dirtyHash: " ".repeat(256),
        clientCi: "a  b\\c"
      }
      const key = { namespace: randomNamespace(), hash: randomHash("f00d") }
      const bytes = randomBytes(1000)
      const before = Date.now()
      yield* storage.put(key, chunked(bytes, 100), { size: bytes.byteLength, metadata })

      const artifact = Option.getOrThrow(yield* storage.get(key))
      assert.deepStrictEqual(artifact.info.metadata, metadata)
      assert.strictEqual(artifact.info.size, 1000)
      assert.isTrue(artifact.info.createdAt >= before && artifact.info.createdAt <= Date.now())
      assert.strictEqual(sha256(yield* bytesOf(artifact.body)), sha256(bytes))
      assert.deepStrictEqual(yield* storage.head(key), Option.some(artifact.info))
      const listed = yield* Stream.runCollect(storage.list({ namespace: key.namespace }))
      assert.deepStrictEqual(listed, [{ key, info: artifact.info }])

      const properties = yield* Effect.promise(() =>
        sdkContainer(connectionString, container).getBlobClient(`${key.namespace}/${key.hash}`).getProperties()
      )
      assert.deepStrictEqual(Object.keys(properties.metadata ?? {}), ["hoardinfo"])
      assert.deepStrictEqual(JSON.parse(properties.metadata?.["hoardinfo"] ?? ""), artifact.info)
      assert.strictEqual(properties.contentType, "application/octet-stream")
    }), 30_000)

  it.live("keeps two prefixes in one container apart", () =>
    Effect.gen(function*() {
      const teamA = yield* storageWith({ prefix: "team-a" })
      const teamB = yield* storageWith({ prefix: "/team-b/nested/" })
      const unprefixed = yield* storageWith()
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytesA = randomBytes(3000)
      const bytesB = randomBytes(5000)
      yield* teamA.put(key, chunked(bytesA), { size: bytesA.byteLength, metadata: metadataOf("a") })
      yield* teamB.put(key, chunked(bytesB), { size: bytesB.byteLength, metadata: metadataOf("b") })

      const readA = Option.getOrThrow(yield* teamA.get(key))
      assert.strictEqual(readA.info.metadata.tag, "a")
      assert.strictEqual(sha256(yield* bytesOf(readA.body)), sha256(bytesA))
      const readB = Option.getOrThrow(yield* teamB.get(key))
      assert.strictEqual(readB.info.metadata.tag, "b")
      assert.strictEqual(sha256(yield* bytesOf(readB.body)), sha256(bytesB))
      assert.isTrue(Option.isNone(yield* unprefixed.head(key)), "no artifact outside the prefixes")

      const names = yield* Effect.promise(() => blobNames(`team-`))
      assert.deepStrictEqual(names.filter((name) => name.includes(key.namespace)).sort(), [`team-a/${key.namespace}/${key.hash}`, `team-b/nested/${key.namespace}/${key.hash}`])

      assert.strictEqual((yield* Stream.runCollect(teamA.list({ namespace: key.namespace }))).length, 1)
      // "team-a/<ns>/<hash>" is not "<namespace>/<hash>" for a namespace called "team-a".
      assert.deepStrictEqual(yield* Stream.runCollect(unprefixed.list({ namespace: "team-a" as typeof key.namespace })), [])

      assert.isTrue(yield* teamA.delete(key))
      assert.isTrue(Option.isNone(yield* teamA.head(key)))
      assert.isTrue(Option.isSome(yield* teamB.head(key)), "deleting under one prefix leaves the other")
    }), 30_000)

  it.live("lists the namespaces under its prefix page by page, and only those", () =>
    Effect.gen(function*() {
      const storage = yield* storageWith({ prefix: "spaces/listed", listPageSize: 2 })
      const neighbour = yield* storageWith({ prefix: "spaces/listed-too" })
      const put = (target: typeof storage, key: { namespace: ReturnType<typeof randomNamespace>; hash: ReturnType<typeof randomHash> }) =>
        target.put(key, chunked(randomBytes(10)), { size: 10, metadata: metadataOf("n") })
      const namespaces = Array.from({ length: 5 }, randomNamespace)
      for (const namespace of namespaces) {
        for (const hash of [randomHash("a"), randomHash("b")]) yield* put(storage, { namespace, hash })
      }
      const emptied = { namespace: randomNamespace(), hash: randomHash() }
      yield* put(storage, emptied)
      assert.isTrue(yield* storage.delete(emptied))
      yield* put(neighbour, { namespace: randomNamespace(), hash: randomHash() })
      for (const name of ["spaces/listed/stray-object", "spaces/listed/not a namespace!/x", "spaces/elsewhere/x"]) {
        yield* Effect.promise(() => sdkContainer(connectionString, container).getBlockBlobClient(name).upload("x", 1))
      }
      assert.deepStrictEqual([...(yield* Stream.runCollect(storage.namespaces))].sort(), [...namespaces].sort())

      // Without a prefix, the namespaces are the container's top-level virtual directories.
      const alone = yield* AzureStorage.make({ container: uniqueContainer("spaces"), credentials: { connectionString }, createContainer: true })
      const own = [randomNamespace(), randomNamespace(), randomNamespace()]
      for (const namespace of own) yield* put(alone, { namespace, hash: randomHash() })
      assert.deepStrictEqual([...(yield* Stream.runCollect(alone.namespaces))].sort(), [...own].sort())
    }), 30_000)

  it.live("concurrent staged uploads of one key leave one complete version; losers fail with a StorageError", () =>
    Effect.gen(function*() {
      const storage = yield* storageWith({ blockSize: 64 * 1024, maxConcurrency: 2 })
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bodies = Array.from({ length: 4 }, () => randomBytes(512 * 1024))
      const exits = yield* Effect.forEach(
        bodies,
        (bytes) =>
          storage.put(key, chunked(bytes, 16 * 1024).pipe(Stream.tap(() => Effect.yieldNow)), {
            size: bytes.byteLength,
            metadata: metadataOf(sha256(bytes))
          }).pipe(Effect.exit),
        { concurrency: "unbounded" }
      )
      const succeeded = new Set<string>()
      exits.forEach((exit, i) => {
        if (Exit.isSuccess(exit)) succeeded.add(sha256(bodies[i]!))
        else assert.strictEqual(failureOf(exit)._tag, "StorageError")
      })
      assert.isAbove(succeeded.size, 0)
      const artifact = Option.getOrThrow(yield* storage.get(key))
      const stored = sha256(yield* bytesOf(artifact.body))
      assert.strictEqual(stored, artifact.info.metadata.tag, "bytes and metadata are from the same upload")
      assert.isTrue(succeeded.has(stored), "the stored version is one whose put succeeded")
    }), 60_000)

  it.live("a blob Hoard did not write, or of another length than recorded, is a miss everywhere, logged once and counted", () =>
    Effect.gen(function*() {
      const storage = yield* storageWith({ prefix: "foreign" })
      const namespace = randomNamespace()
      const foreign = { namespace, hash: randomHash() }
      const damaged = { namespace, hash: randomHash() }
      const blobs = sdkContainer(connectionString, container)
      yield* Effect.promise(() => blobs.getBlockBlobClient(`foreign/${namespace}/${foreign.hash}`).upload("x", 1))
      yield* Effect.promise(() =>
        blobs.getBlockBlobClient(`foreign/${namespace}/${damaged.hash}`).upload("abc", 3, {
          metadata: { hoardinfo: JSON.stringify({ size: 5, createdAt: 1_700_000_000_000, metadata: { durationMs: 1 } }) }
        })
      )
      const warnings: Array<string> = []
      const captured = Logger.layer([
        Logger.make((options) => {
          if (options.logLevel === "Warn") warnings.push((options.message as ReadonlyArray<unknown>).map(String).join(" "))
        })
      ])
      yield* Effect.gen(function*() {
        for (const key of [foreign, damaged, foreign, damaged]) {
          assert.isTrue(Option.isNone(yield* storage.get(key)), `get of ${key.hash} misses`)
          assert.isTrue(Option.isNone(yield* storage.head(key)), `head of ${key.hash} misses`)
        }
        assert.deepStrictEqual(yield* Stream.runCollect(storage.list({ namespace })), [])
      }).pipe(Effect.provide(captured))
      assert.strictEqual(yield* storage.corruptEntries, 2)
      assert.strictEqual(warnings.length, 2, `one warning per blob, got ${JSON.stringify(warnings)}`)
      assert.include(warnings.find((line) => line.includes(foreign.hash)) ?? "", "no hoardinfo metadata")
      assert.include(warnings.find((line) => line.includes(damaged.hash)) ?? "", "holds 3 bytes but its metadata says 5")
    }), 30_000)
})
