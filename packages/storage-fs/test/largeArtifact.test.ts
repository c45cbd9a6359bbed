import { createHash } from "node:crypto"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { assert, describe, it } from "@effect/vitest"
import { ArtifactStorage } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { digestOf, randomBytes, randomHash, randomNamespace } from "@hoard/storage-testkit"
import { Effect, Option, Stream } from "effect"
import { tempDirectory } from "./tempDirectory.ts"

setFlagsFromString("--expose-gc")
const collectGarbage = runInNewContext("gc") as () => void

const mib = 1024 * 1024
const chunkBytes = 64 * 1024
// Large enough that buffering it would dwarf the garbage V8 may leave uncollected for a while.
const artifactBytes = 256 * mib
const allowedGrowth = 96 * mib

/** 256 MiB generated chunk by chunk (never held whole), each chunk stamped with its index; with its SHA-256. */
const generatedArtifact = () => {
  const block = randomBytes(chunkBytes)
  const chunkAt = (index: number) => {
    const chunk = new Uint8Array(block)
    new DataView(chunk.buffer).setUint32(0, index)
    return chunk
  }
  const hash = createHash("sha256")
  for (let index = 0; index < artifactBytes / chunkBytes; index++) hash.update(chunkAt(index))
  return {
    // One chunk per pull, like a socket: a larger range batch would materialise many chunks at once.
    body: Stream.range(0, artifactBytes / chunkBytes - 1, 1).pipe(Stream.map(chunkAt)),
    sha256: hash.digest("hex")
  }
}

/** Runs `effect` while sampling the process's resident memory; returns the peak growth over the start. */
const peakRssGrowth = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    collectGarbage()
    const start = process.memoryUsage.rss()
    let peak = start
    let samples = 0
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss())
      // Collect now and then, so that the peak measures live memory rather than garbage awaiting a GC.
      if (++samples % 20 === 0) collectGarbage()
    }, 5)
    const result = yield* effect.pipe(Effect.ensuring(Effect.sync(() => clearInterval(timer))))
    return { result, growth: Math.max(peak, process.memoryUsage.rss()) - start }
  })

describe("FsStorage large artifacts", () => {
  it.live("streams a 256 MiB put and get without holding the artifact in memory", () =>
    Effect.gen(function*() {
      const directory = yield* tempDirectory
      const storage = yield* ArtifactStorage.pipe(Effect.provide(FsStorage.layer({ directory })))
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const artifact = generatedArtifact()

      const put = yield* peakRssGrowth(storage.put(key, artifact.body, { size: artifactBytes, metadata: { durationMs: 1 } }))
      const get = yield* peakRssGrowth(
        Effect.flatMap(storage.get(key), (found) => digestOf(Option.getOrThrow(found).body))
      )

      assert.deepStrictEqual(get.result, { size: artifactBytes, sha256: artifact.sha256 })
      assert.isBelow(put.growth, allowedGrowth, `put grew RSS by ${(put.growth / mib).toFixed(1)} MiB`)
      assert.isBelow(get.growth, allowedGrowth, `get grew RSS by ${(get.growth / mib).toFixed(1)} MiB`)
    }), 120_000)
})
