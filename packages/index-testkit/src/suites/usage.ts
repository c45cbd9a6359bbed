import { assert } from "@effect/vitest"
import { CacheIndex, rollupHourMs } from "@hoard/core"
import type { ArtifactStatus } from "@hoard/core"
import { Effect } from "effect"
import {
  allArtifacts,
  allSuccessHashes,
  artifactEvent,
  goneWrite,
  randomHash,
  randomHour,
  randomTeamId,
  recountUsage,
  seededRandom,
  storedWrite
} from "../helpers.ts"
import { makeWorkload } from "../workload.ts"
import { expectUsage, slowTestTimeout, testTimeout, write, writeBatches } from "./fixtures.ts"
import type { IndexIt, SuiteOptions } from "./fixtures.ts"

const statuses: ReadonlyArray<ArtifactStatus> = ["success", "registered", "failed", "missing"]

/** Checks a team's usage, listing and success hashes against each other. */
export const expectConsistentTeam = (teamId: string, now: number, what: string) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    const usage = yield* index.usage(teamId)
    assert.deepStrictEqual(usage, yield* recountUsage(teamId, now), `usage equals a recount of the success records (${what})`)
    const all = yield* allArtifacts({ teamId, now }, 100)
    assert.strictEqual(new Set(all.map((row) => row.hash)).size, all.length, "one record per hash")
    for (const row of all) assert.strictEqual(row.teamId, teamId)
    for (const status of statuses) {
      const filtered = yield* allArtifacts({ teamId, status, now }, 100)
      assert.deepStrictEqual(
        filtered.map((row) => row.hash),
        all.filter((row) => row.status === status).map((row) => row.hash),
        `the ${status} filter lists exactly the ${status} records, in order (${what})`
      )
    }
    const success = all.filter((row) => row.status === "success")
    assert.deepStrictEqual(
      yield* allSuccessHashes(teamId, 7),
      success.map((row) => row.hash).sort(),
      `successHashes are the success records' hashes (${what})`
    )
    assert.deepStrictEqual(usage, { bytes: success.reduce((sum, row) => sum + (row.size ?? 0), 0), count: success.length })
    if (all.length > 0) assert.include(yield* index.teams, teamId, "teams lists a team with records")
    return all
  })

export const usageTests = (it: IndexIt, options: SuiteOptions): void => {
  it.effect("usage follows every write: uploads, overwrites, misses, deletes, Stored and Gone", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const [a, b, c] = [randomHash(), randomHash(), randomHash()]
      yield* expectUsage(team, 0, 0, "of a new team")
      yield* write(artifactEvent("artifact.upload_started", team, a, t, { size: 100 }))
      yield* expectUsage(team, 0, 0, "registered")
      yield* write(artifactEvent("artifact.uploaded", team, a, t + 1, { size: 100 }))
      yield* expectUsage(team, 100, 1, "uploaded")
      yield* write(artifactEvent("artifact.uploaded", team, a, t + 2, { size: 250 }))
      yield* expectUsage(team, 250, 1, "overwritten with another size")
      yield* write(artifactEvent("artifact.uploaded", team, b, t + 3, { size: 50 }))
      yield* expectUsage(team, 300, 2, "a second artifact")
      yield* write(artifactEvent("artifact.upload_started", team, a, t + 4, { size: 1 }))
      yield* write(artifactEvent("artifact.upload_failed", team, a, t + 5, { size: 1 }))
      yield* write(artifactEvent("artifact.downloaded", team, a, t + 6, { size: 250 }))
      yield* expectUsage(team, 300, 2, "an upload of a success record started and failed, and a download")
      yield* write(artifactEvent("artifact.missed", team, a, t + 7))
      yield* expectUsage(team, 50, 1, "a success record missed")
      yield* write(storedWrite(team, a, { size: 70, createdAt: t + 8, metadata: { durationMs: 0 } }))
      yield* expectUsage(team, 120, 2, "found in storage again")
      yield* write(storedWrite(team, c, { size: 5, createdAt: t + 8, metadata: { durationMs: 0 } }))
      yield* expectUsage(team, 125, 3, "found in storage")
      yield* write(storedWrite(team, c, { size: 9, createdAt: t + 1, metadata: { durationMs: 0 } }))
      yield* expectUsage(team, 129, 3, "stored with another size")
      yield* write(goneWrite(team, b, t + 9))
      yield* expectUsage(team, 79, 2, "gone from storage")
      yield* write(artifactEvent("artifact.deleted", team, a, t + 10))
      yield* expectUsage(team, 9, 1, "deleted")
      yield* write(artifactEvent("artifact.deleted", team, b, t + 10), artifactEvent("artifact.deleted", team, c, t + 10))
      yield* expectUsage(team, 0, 0, "all deleted")
      yield* expectConsistentTeam(team, t + 10, "after all that")
    }), testTimeout)

  it.effect("usage equals a recount of the success records after a random workload", () =>
    Effect.gen(function*() {
      const random = seededRandom(options.seed + 1)
      const teams = [randomTeamId(), randomTeamId(), randomTeamId()]
      const hours = 6
      const workload = makeWorkload(random, {
        teams,
        hashesPerTeam: 40,
        events: Math.round(2400 * options.scale),
        start: randomHour(),
        hours,
        maxBatch: 60,
        reconcileRate: 0.08,
        retryRate: 0.1
      })
      // Check in the middle of the workload too, not only at its end.
      const half = Math.floor(workload.batches.length / 2)
      yield* writeBatches(workload.batches.slice(0, half))
      for (const team of teams) yield* expectConsistentTeam(team, workload.to, `halfway, seed ${options.seed + 1}`)
      yield* writeBatches(workload.batches.slice(half))
      const seen = new Set<ArtifactStatus>()
      for (const team of teams) {
        // Early enough that most registered records are not stale, and later.
        for (const now of [workload.from + rollupHourMs / 2, workload.to + 2 * rollupHourMs]) {
          const rows = yield* expectConsistentTeam(team, now, `seed ${options.seed + 1}`)
          for (const row of rows) seen.add(row.status)
        }
      }
      assert.includeMembers([...seen], ["success", "missing", "failed"], "the workload reached several statuses")
    }), slowTestTimeout)
}
