import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer } from "effect"
import { createBucket, randomBucketName } from "./buckets.ts"
import { startFauxqs } from "./fauxqs.ts"
import type { FauxqsProcess } from "./fauxqs.ts"

/** A fauxqs of the test file's own that tests may stop, restart (same port, same data) and pause. */
export interface RestartableFauxqsShape {
  readonly endpoint: string
  readonly bucket: string
  readonly stop: Effect.Effect<void>
  readonly restart: Effect.Effect<void>
  readonly pause: Effect.Effect<void>
  readonly resume: Effect.Effect<void>
}

export class RestartableFauxqs extends Context.Service<RestartableFauxqs, RestartableFauxqsShape>()(
  "storage-s3/test/RestartableFauxqs"
) {}

export const layerRestartableFauxqs: Layer.Layer<RestartableFauxqs> = Layer.effect(
  RestartableFauxqs,
  Effect.gen(function*() {
    const storageDir = yield* Effect.acquireRelease(
      Effect.promise(() => mkdtemp(join(tmpdir(), "hoard-fauxqs-"))),
      (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
    )
    let current: FauxqsProcess | undefined = yield* Effect.promise(() => startFauxqs({ storageDir }))
    const first = current
    yield* Effect.addFinalizer(() => Effect.promise(() => current?.stop() ?? Promise.resolve()))
    const bucket = randomBucketName("outage")
    yield* Effect.promise(() => createBucket(first.endpoint, bucket))
    return {
      endpoint: first.endpoint,
      bucket,
      stop: Effect.promise(async () => {
        await current?.stop()
        current = undefined
      }),
      restart: Effect.promise(async () => {
        await current?.stop()
        current = await startFauxqs({ storageDir, port: first.port })
      }),
      pause: Effect.sync(() => current?.pause()),
      resume: Effect.sync(() => current?.resume())
    }
  })
)
