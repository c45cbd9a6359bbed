import { createHash, randomBytes } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { digestOf, randomHash, randomNamespace } from "@hoard/storage-testkit"
import { Effect, Option, Stream } from "effect"
import { GcsStorage } from "../src/index.ts"
import { emulatorHost, freshBucket } from "./support/emulator.ts"
import { startProxy } from "./support/TcpProxy.ts"

const mib = 1024 * 1024
const artifactBytes = 64 * mib
const chunkBytes = 64 * 1024
/**
 * How far the adapter may run ahead of the network: its own buffers plus the
 * kernel's socket buffers (a few MiB each on loopback). Holding the artifact
 * would take all 64 MiB.
 */
const maxLead = 16 * mib

describe("GcsStorage large artifacts", () => {
  it.live(`streams a ${artifactBytes / mib} MiB artifact both ways, never far ahead of the network`, () =>
    Effect.gen(function*() {
      // Through a proxy that counts the bytes actually sent and received.
      const proxy = yield* Effect.acquireRelease(Effect.promise(() => startProxy(emulatorHost())), (proxy) =>
        Effect.promise(() => proxy.close()))
      const storage = yield* GcsStorage.make({ bucket: freshBucket(), emulatorHost: proxy.host })
      const key = { namespace: randomNamespace(), hash: randomHash() }

      const written = createHash("sha256")
      let generated = 0
      let uploadLead = 0
      // Made chunk by chunk (one element per pull), so the test never holds the artifact either.
      const body = Stream.range(1, artifactBytes / chunkBytes, 1).pipe(
        Stream.map(() => {
          uploadLead = Math.max(uploadLead, generated - proxy.bytesFromClients())
          const chunk = randomBytes(chunkBytes)
          written.update(chunk)
          generated += chunk.byteLength
          return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        })
      )
      yield* storage.put(key, body, { size: artifactBytes, metadata: { durationMs: 60_000, tag: "large" } })
      assert.strictEqual(generated, artifactBytes)
      assert.isBelow(uploadLead, maxLead, `the upload ran ${(uploadLead / mib).toFixed(1)} MiB ahead of the network`)

      const artifact = Option.getOrThrow(yield* storage.get(key))
      assert.strictEqual(artifact.info.size, artifactBytes)
      const receivedBefore = proxy.bytesFromBackend()
      let consumed = 0
      let downloadLead = 0
      const read = yield* digestOf(artifact.body.pipe(
        Stream.tap((chunk) =>
          Effect.gen(function*() {
            // A slow reader at first: the download must wait for it rather than buffer.
            if (consumed === 0) yield* Effect.sleep("300 millis")
            consumed += chunk.byteLength
            downloadLead = Math.max(downloadLead, proxy.bytesFromBackend() - receivedBefore - consumed)
          })
        )
      ))
      assert.strictEqual(read.size, artifactBytes)
      assert.strictEqual(read.sha256, written.digest("hex"))
      assert.isBelow(downloadLead, maxLead, `the download ran ${(downloadLead / mib).toFixed(1)} MiB ahead of its reader`)
    }).pipe(Effect.scoped), 120_000)
})
