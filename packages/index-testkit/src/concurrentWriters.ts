import { assert, describe, it } from "@effect/vitest"
import { CacheIndex, rollupHourMs } from "@hoard/core"
import type { CacheIndexShape, IndexWrite, StoredActivityEvent } from "@hoard/core"
import { Effect, Schedule } from "effect"
import type { Layer } from "effect"
import { seedFromEnv } from "./conformance.ts"
import { allArtifacts, allEvents, eventTime, openIndex, randomHour, randomTeamId, recount, seededRandom } from "./helpers.ts"
import { expectConsistentTeam } from "./suites/usage.ts"
import { makeWorkload } from "./workload.ts"

export interface ConcurrentWritersOptions {
  /** Seed of the workload; default as in `cacheIndexConformance`. */
  readonly seed?: number
  /** Multiplies the size of the workload (default 1: 2 400 events in about 100 batches). */
  readonly scale?: number
  /**
   * How often one batch may be retried after it failed (a serialization
   * failure or a deadlock between the writers), as `IndexWriter` retries; default 10.
   */
  readonly retries?: number
}

/**
 * Registers a `describe("<name> with two writers")` block: two indexes, each
 * from its own `makeLayer()` call (two connection pools over one database, as
 * two replicas), write interleaved batches at once, about the same teams and
 * the same hashes (uploads, downloads, deletes, misses, reconciliation,
 * retried batches). Afterwards every event is stored exactly once, the rollups
 * equal a recount of the events, and usage equals a recount of the records,
 * as both writers see them.
 */
export const concurrentWritersConformance = (
  name: string,
  makeLayer: () => Layer.Layer<CacheIndex, unknown>,
  options: ConcurrentWritersOptions = {}
): void => {
  const seed = options.seed ?? seedFromEnv()
  const scale = options.scale ?? 1
  const retries = options.retries ?? 10

  describe(`${name} with two writers`, () => {
    it.live("two writers at once: every event once, rollups and usage equal their recounts", () =>
      Effect.gen(function*() {
        const random = seededRandom(seed + 40)
        const teams = [randomTeamId(), randomTeamId()]
        const workload = makeWorkload(random, {
          teams,
          hashesPerTeam: 12,
          events: Math.round(2400 * scale),
          start: randomHour(),
          hours: 2,
          maxBatch: 48,
          reconcileRate: 0.04,
          retryRate: 0.15
        })
        const a = yield* openIndex(makeLayer())
        const b = yield* openIndex(makeLayer())
        let failures = 0
        const writer = (index: CacheIndexShape, batches: ReadonlyArray<ReadonlyArray<IndexWrite>>) =>
          Effect.forEach(batches, (batch) =>
            index.write(batch).pipe(
              Effect.tapError(() => Effect.sync(() => failures++)),
              Effect.retry({ times: retries, schedule: Schedule.spaced("20 millis") }),
              Effect.andThen(Effect.yieldNow)
            ), { discard: true })
        yield* Effect.all([
          writer(a.index, workload.batches.filter((_, i) => i % 2 === 0)),
          writer(b.index, workload.batches.filter((_, i) => i % 2 === 1))
        ], { concurrency: 2, discard: true })

        const now = workload.to + rollupHourMs
        for (const team of teams) {
          const stored = workload.stored.get(team)!
          const unstored = workload.unstored.get(team)!
          const listings: Array<unknown> = []
          for (const [replica, opened] of [["first", a], ["second", b]] as const) {
            yield* Effect.gen(function*() {
              const events = yield* allEvents({ teamId: team }, 100)
              const ids = events.map((event) => event.id)
              assert.strictEqual(new Set(ids).size, ids.length, `no event twice (${replica} writer's view, seed ${seed + 40})`)
              assert.deepStrictEqual(ids.sort(), stored.map((event) => event.id).sort(), `every event once (${replica} writer's view)`)
              const counted: Array<StoredActivityEvent> = [...events.map((event) => ({ ...event, created_at: eventTime(event) })), ...unstored]
              const index = yield* CacheIndex
              assert.deepStrictEqual(
                yield* index.analytics(team, workload.from, workload.to),
                recount(counted),
                `rollups equal a recount (${replica} writer's view, seed ${seed + 40}, ${failures} failed writes retried)`
              )
              for (let h = workload.from; h < workload.to; h += rollupHourMs) {
                assert.deepStrictEqual(
                  yield* index.analytics(team, h, h + rollupHourMs),
                  recount(counted.filter((event) => event.created_at >= h && event.created_at < h + rollupHourMs)),
                  `rollups of one hour equal a recount (${replica} writer's view)`
                )
              }
              yield* expectConsistentTeam(team, now, `${replica} writer's view, seed ${seed + 40}`)
              listings.push(yield* allArtifacts({ teamId: team, now }, 100))
            }).pipe(Effect.provideService(CacheIndex, opened.index))
          }
          assert.deepStrictEqual(listings[1], listings[0], "both writers see the same records")
        }
        yield* a.close
        yield* b.close
      }), 180_000)
  })
}
