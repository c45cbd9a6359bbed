import { assert, describe, it } from "@effect/vitest"
import { ArtifactHash, Namespace } from "@hoard/core"
import {
  bytesOf,
  chunked,
  digestOf,
  failingAfter,
  randomBytes,
  randomHash,
  randomNamespace,
  sha256
} from "@hoard/storage-testkit"
import { Effect, Exit, Schema, Stream } from "effect"

describe("storage-testkit helpers", () => {
  it("randomNamespace and randomHash are valid and distinct", () => {
    const namespaces = new Set(Array.from({ length: 50 }, randomNamespace))
    const hashes = new Set(Array.from({ length: 50 }, () => randomHash()))
    assert.strictEqual(namespaces.size, 50)
    assert.strictEqual(hashes.size, 50)
    for (const namespace of namespaces) assert.isTrue(Schema.is(Namespace)(namespace), namespace)
    for (const hash of hashes) {
      assert.isTrue(Schema.is(ArtifactHash)(hash), hash)
      assert.match(hash, /^[0-9a-f]{16}$/u)
    }
  })

  it("randomHash keeps a given prefix", () => {
    const hash = randomHash("ab")
    assert.match(hash, /^ab[0-9a-f]{14}$/u)
  })

  it.effect("chunked splits into chunks of at most chunkSize and bytesOf joins them back", () =>
    Effect.gen(function*() {
      const bytes = randomBytes(10_000)
      const chunks = yield* Stream.runCollect(chunked(bytes, 4096))
      assert.deepStrictEqual(chunks.map((chunk) => chunk.byteLength), [4096, 4096, 1808])
      assert.deepStrictEqual(yield* bytesOf(chunked(bytes, 4096)), bytes)
      assert.deepStrictEqual(yield* Stream.runCollect(chunked(new Uint8Array(0))), [])
    }))

  it.effect("failingAfter yields exactly n bytes, then fails with the given error", () =>
    Effect.gen(function*() {
      const bytes = randomBytes(200_000)
      const error = new Error("client went away")
      let received = 0
      const exit = yield* failingAfter(bytes, 150_000, error).pipe(
        Stream.runForEach((chunk) => Effect.sync(() => (received += chunk.byteLength))),
        Effect.exit
      )
      assert.strictEqual(received, 150_000)
      assert.deepStrictEqual(exit, Exit.fail(error))
    }))

  it.effect("digestOf gives the size and SHA-256 of a stream", () =>
    Effect.gen(function*() {
      const bytes = randomBytes(100_000)
      const digest = yield* digestOf(chunked(bytes, 1000))
      assert.deepStrictEqual(digest, { size: 100_000, sha256: sha256(bytes) })
      assert.strictEqual(
        sha256(new TextEncoder().encode("abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
      )
    }))
})
