import { assert } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import type { Layer } from "effect"
import { Effect } from "effect"
import { allArtifacts, allEvents, allSuccessHashes, openIndex, randomHash, randomHour, randomTeamId, seededRandom } from "../helpers.ts"
import { makeWorkload } from "../workload.ts"
import type { Workload } from "../workload.ts"
import { slowTestTimeout, writeBatches } from "./fixtures.ts"
import type { IndexIt, SuiteOptions } from "./fixtures.ts"

/** Everything the index holds of the workload's teams. */
const snapshot = (workload: Workload, metaKey: string) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    const teams = [...workload.hashes.keys()]
    const allTeams = yield* index.teams
    return {
      teams: teams.map((team) => allTeams.includes(team)),
      meta: yield* index.getMeta(metaKey),
      perTeam: yield* Effect.forEach(teams, (teamId) =>
        Effect.gen(function*() {
          return {
            artifacts: yield* allArtifacts({ teamId, now: workload.to }, 100),
            events: yield* allEvents({ teamId }, 100),
            totals: yield* index.analytics(teamId, workload.from, workload.to),
            usage: yield* index.usage(teamId),
            successHashes: yield* allSuccessHashes(teamId, 100)
          }
        }))
    }
  })

export const restartTests = (it: IndexIt, reopen: () => Layer.Layer<CacheIndex, unknown>, options: SuiteOptions): void => {
  it.effect("a restart loses nothing: records, events, rollups, usage and meta are all there after reopening", () =>
    Effect.gen(function*() {
      const random = seededRandom(options.seed + 30)
      const workload = makeWorkload(random, {
        teams: [randomTeamId(), randomTeamId()],
        hashesPerTeam: 20,
        events: Math.round(600 * options.scale),
        start: randomHour(),
        hours: 3,
        maxBatch: 50,
        reconcileRate: 0.05,
        retryRate: 0.1
      })
      const metaKey = `test.restart.${randomHash()}`

      const first = yield* openIndex(reopen())
      const before = yield* Effect.gen(function*() {
        yield* writeBatches(workload.batches)
        yield* first.index.setMeta(metaKey, "before the restart")
        return yield* snapshot(workload, metaKey)
      }).pipe(Effect.provideService(CacheIndex, first.index))
      assert.isTrue(before.perTeam.every((team) => team.events.length > 0 && team.artifacts.length > 0), "the workload wrote something")
      assert.deepStrictEqual(before.teams, [true, true])
      yield* first.close

      const second = yield* openIndex(reopen())
      yield* Effect.gen(function*() {
        assert.deepStrictEqual(yield* snapshot(workload, metaKey), before, "after reopening")
        // Event ids survive too: the stored events sent again change nothing.
        yield* writeBatches(workload.batches.map((batch) => batch.filter((write) => write._tag === "Event" && write.store)))
        assert.deepStrictEqual(yield* snapshot(workload, metaKey), before, "the events written again after reopening")
      }).pipe(Effect.provideService(CacheIndex, second.index))
      yield* second.close
    }), slowTestTimeout)
}
