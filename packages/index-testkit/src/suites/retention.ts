/**
 * Retention: last use and the evictor's order (`evictionCandidates`),
 * `Removed`, `retentionStats`, activity and rollup retention, leases.
 *
 * Most tests work in teams of their own, as the other suites do. Those of
 * whole-cache reads and deletes (`evictionCandidates` without a team,
 * `retentionStats(undefined)`, `deleteEventsBefore`, `deleteRollupsBefore`,
 * `deleteUnstoredBefore`) work in January and February 1970, which no other
 * test uses (`randomHour` is 2001–2030), and remove what they wrote there.
 */
import { assert } from "@effect/vitest"
import { CacheIndex, rollupHourMs } from "@hoard/core"
import type { ArtifactInfo, EvictionCandidate, IndexWrite, RetentionStats } from "@hoard/core"
import { Effect } from "effect"
import {
  allEvents,
  artifactEvent,
  emptyTotals,
  eventWrite,
  goneWrite,
  makeEvent,
  randomHash,
  randomHour,
  randomTeamId,
  removedWrite,
  storedWrite,
  timedEventId
} from "../helpers.ts"
import { expectNoRecord, expectRecord, expectTotals, expectUsage, orderedHashes, testTimeout, totals, write } from "./fixtures.ts"
import type { IndexIt } from "./fixtures.ts"
import { expectConsistentTeam } from "./usage.ts"

const hour = rollupHourMs

/** Where the whole-cache tests write: before anything the other suites write. */
const candidateEra = Date.UTC(1970, 0, 10)
const statsEra = Date.UTC(1970, 0, 20)
const eventEra = 2 * hour
const rollupEra = Date.UTC(1970, 1, 1)
/** The first hour of 1970: records only, written by events that make no rollup and are not stored. */
const unstoredEra = 0

const info = (size: number, createdAt: number, sha?: string): ArtifactInfo => ({
  size,
  createdAt,
  metadata: { durationMs: 0, ...(sha === undefined ? {} : { sha }) }
})

const candidates = (query: Parameters<CacheIndex["Service"]["evictionCandidates"]>[0]) =>
  CacheIndex.use((index) => index.evictionCandidates(query))

const stats = (teamId: string | undefined) => CacheIndex.use((index) => index.retentionStats(teamId))

const keysOf = (found: ReadonlyArray<EvictionCandidate>): Array<string> => found.map((c) => `${c.teamId}/${c.hash}`)

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Least recently used first, then by team, then by hash. */
const lruOrder = (a: EvictionCandidate, b: EvictionCandidate): number =>
  a.lastUsedAt - b.lastUsedAt || compare(a.teamId, b.teamId) || compare(a.hash, b.hash)

const expectStats = (teamId: string | undefined, expected: RetentionStats, message: string) =>
  Effect.map(stats(teamId), (found) => {
    assert.deepStrictEqual(found, expected, `retentionStats(${teamId ?? "undefined"}): ${message}`)
  })

/**
 * Runs `deleteStep` (one of the index's paged deletes, e.g. `deleteEventsBefore`
 * bound to a cutoff) until it deletes nothing; answers how many it deleted.
 */
const deleteInSteps = (name: string, deleteStep: (limit: number) => Effect.Effect<number, unknown>, limit: number) =>
  Effect.gen(function*() {
    let total = 0
    for (let step = 0; step < 10_000; step++) {
      const deleted = yield* deleteStep(limit)
      assert.isAtMost(deleted, limit, `${name} deletes at most \`limit\` rows`)
      if (deleted === 0) return total
      total += deleted
    }
    return assert.fail(`${name} never got to 0`)
  })

/** Deletes every stored event created before `before`, in steps of `limit`; answers how many. */
const deleteAllEventsBefore = (before: number, limit = 1000) =>
  Effect.flatMap(CacheIndex, (index) =>
    deleteInSteps("deleteEventsBefore", (step) => index.deleteEventsBefore(before, step), limit))

export const retentionTests = (it: IndexIt): void => {
  it.effect("evictionCandidates: success records, least recently used first (the later of last write and last read)", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const other = randomTeamId()
      const t = randomHour() + 60_000
      const [a, b, c, d, e, f, g, h] = orderedHashes(8) as [string, string, string, string, string, string, string, string]
      yield* write(
        artifactEvent("artifact.uploaded", team, a, t + 1, { size: 10, sha: "s1" }),
        artifactEvent("artifact.uploaded", team, b, t + 2, { size: 20, sha: "s1" }),
        artifactEvent("artifact.uploaded", team, c, t + 3, { size: 30, sha: "s2" }),
        // every other status, used earliest: never a candidate
        artifactEvent("artifact.upload_started", team, d, t - 30, { size: 1, sha: "s1" }),
        artifactEvent("artifact.upload_failed", team, e, t - 20, { size: 1, sha: "s1" }),
        artifactEvent("artifact.missed", team, f, t - 10, { sha: "s1" }),
        // another team's record, used earliest of all
        artifactEvent("artifact.uploaded", other, a, t - 100, { size: 5, sha: "s1" })
      )
      yield* write(artifactEvent("artifact.downloaded", team, a, t + 4, { size: 10 }))
      const [ca, cb, cc] = [
        { teamId: team, hash: a, size: 10, lastUsedAt: t + 4 },
        { teamId: team, hash: b, size: 20, lastUsedAt: t + 2 },
        { teamId: team, hash: c, size: 30, lastUsedAt: t + 3 }
      ]
      assert.deepStrictEqual(yield* candidates({ teamId: team, limit: 100 }), [cb, cc, ca], "a read makes a record recently used")
      assert.deepStrictEqual(yield* candidates({ teamId: team, limit: 2 }), [cb, cc], "limit")
      assert.deepStrictEqual(yield* candidates({ teamId: team, limit: 0 }), [], "limit 0")
      assert.deepStrictEqual(yield* candidates({ teamId: team, usedBefore: t + 3, limit: 100 }), [cb], "usedBefore is exclusive")
      assert.deepStrictEqual(yield* candidates({ teamId: team, usedBefore: t + 4, limit: 100 }), [cb, cc], "usedBefore")
      assert.deepStrictEqual(yield* candidates({ teamId: team, usedBefore: t + 2, limit: 100 }), [], "nothing used that early")
      assert.deepStrictEqual(yield* candidates({ teamId: team, sha: "s1", limit: 100 }), [cb, ca], "sha")
      assert.deepStrictEqual(yield* candidates({ teamId: team, sha: "s1", usedBefore: t + 4, limit: 100 }), [cb], "sha and usedBefore")
      assert.deepStrictEqual(yield* candidates({ teamId: team, sha: "nope", limit: 100 }), [], "an unknown sha")
      assert.deepStrictEqual(
        yield* candidates({ teamId: other, limit: 100 }),
        [{ teamId: other, hash: a, size: 5, lastUsedAt: t - 100 }],
        "another team's records are its own"
      )
      assert.deepStrictEqual(yield* candidates({ teamId: randomTeamId(), limit: 100 }), [], "a team without records")

      // A read older than the last write does not make the record older; ties go by hash.
      yield* write(
        artifactEvent("artifact.uploaded", team, h, t + 2, { size: 80 }),
        artifactEvent("artifact.uploaded", team, g, t + 2, { size: 70 }),
        artifactEvent("artifact.downloaded", team, g, t - 50, { size: 70 })
      )
      assert.deepStrictEqual(
        keysOf(yield* candidates({ teamId: team, limit: 100 })),
        [b, g, h, c, a].map((hash) => `${team}/${hash}`),
        "ties by hash; an older read changes nothing"
      )
      // Written again: used then. A success record missed, or deleted: no longer a candidate.
      yield* write(artifactEvent("artifact.uploaded", team, b, t + 10, { size: 21 }))
      yield* write(artifactEvent("artifact.missed", team, g, t + 11), artifactEvent("artifact.deleted", team, h, t + 11))
      assert.deepStrictEqual(
        yield* candidates({ teamId: team, limit: 100 }),
        [cc, ca, { teamId: team, hash: b, size: 21, lastUsedAt: t + 10 }],
        "after a re-upload, a miss and a delete"
      )
      // Reconciliation: a Stored record was last used when it was stored.
      const stored = randomHash()
      yield* write(storedWrite(team, stored, info(99, t + 5)))
      assert.deepStrictEqual(
        keysOf(yield* candidates({ teamId: team, usedBefore: t + 10, limit: 100 })),
        [c, a, stored].map((hash) => `${team}/${hash}`),
        "a Stored record"
      )
    }), testTimeout)

  it.effect("evictionCandidates without a team: every team's records, by last use, then team, then hash", () =>
    Effect.gen(function*() {
      const teams = [randomTeamId(), randomTeamId(), randomTeamId()].sort()
      const [x, y] = orderedHashes(2, "e") as [string, string]
      const t = candidateEra
      const records: Array<EvictionCandidate & { readonly sha: string }> = [
        { teamId: teams[2]!, hash: x, size: 1, lastUsedAt: t + 1, sha: "s1" },
        { teamId: teams[0]!, hash: y, size: 2, lastUsedAt: t + 2, sha: "s2" },
        { teamId: teams[1]!, hash: y, size: 3, lastUsedAt: t + 2, sha: "s1" },
        { teamId: teams[1]!, hash: x, size: 4, lastUsedAt: t + 2, sha: "s1" },
        { teamId: teams[0]!, hash: x, size: 5, lastUsedAt: t + 3, sha: "s1" }
      ]
      yield* write(...records.map((r) => storedWrite(r.teamId, r.hash, info(r.size, r.lastUsedAt, r.sha))))
      // Not a candidate: a record of another status (stored, then gone from storage), used earlier.
      const missing = randomHash()
      yield* write(storedWrite(teams[0]!, missing, info(6, t - 10, "s1")), goneWrite(teams[0]!, missing, t))
      const expected = records.map(({ sha: _, ...candidate }) => candidate).sort(lruOrder)
      assert.deepStrictEqual(
        keysOf(expected),
        [`${teams[2]}/${x}`, `${teams[0]}/${y}`, `${teams[1]}/${x}`, `${teams[1]}/${y}`, `${teams[0]}/${x}`],
        "the expected order (the test's own check)"
      )
      assert.deepStrictEqual(yield* candidates({ limit: 5 }), expected, "the five least recently used of the cache")
      assert.deepStrictEqual(yield* candidates({ limit: 3 }), expected.slice(0, 3), "limit")
      assert.deepStrictEqual(yield* candidates({ usedBefore: t + 3, limit: 100 }), expected.slice(0, 4), "usedBefore")
      assert.deepStrictEqual(
        yield* candidates({ usedBefore: t + 3, sha: "s1", limit: 100 }),
        expected.filter((c) => c.size !== 2 && c.size !== 5),
        "sha over every team"
      )
      assert.deepStrictEqual(
        yield* candidates({ teamId: teams[1]!, limit: 100 }),
        expected.filter((c) => c.teamId === teams[1]),
        "one team"
      )
      // Purged, every one of them: nothing is left in the era.
      yield* write(
        ...records.map((r) => removedWrite(r.teamId, r.hash, t + 3, "purged")),
        removedWrite(teams[0]!, missing, t, "purged")
      )
      assert.deepStrictEqual(yield* candidates({ usedBefore: t + 1000, limit: 100 }), [], "all purged")
      for (const team of teams) yield* expectStats(team, { bytes: 0, count: 0, evictedCount: 0, evictedBytes: 0, oldestUsedAt: null }, "purged")
    }), testTimeout)

  it.effect("Removed removes a record last used at or before `at`, and keeps one written or read after it", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 60_000
      const [used, read, removedThenWritten, writtenThenRemoved, writtenEarlier, writtenLater] = Array.from({ length: 6 }, randomHash)
      const upload = (hash: string, at: number, size = 10) => artifactEvent("artifact.uploaded", team, hash, at, { size })
      yield* write(
        upload(used!, t),
        upload(read!, t),
        upload(removedThenWritten!, t),
        upload(writtenThenRemoved!, t),
        upload(writtenEarlier!, t),
        upload(writtenLater!, t)
      )
      yield* expectUsage(team, 60, 6, "six records")

      yield* write(removedWrite(team, used!, t))
      yield* expectNoRecord(team, used!, t, "last used exactly at `at`")

      yield* write(artifactEvent("artifact.downloaded", team, read!, t + 5, { size: 10 }))
      yield* write(removedWrite(team, read!, t + 3))
      yield* expectRecord(team, read!, t + 5, { status: "success", obtainedAt: t + 5 }, "read after `at`")
      yield* write(removedWrite(team, read!, t + 5))
      yield* expectNoRecord(team, read!, t + 5, "read at `at`")

      // In one batch, in either order: a write after `at` keeps (or makes) the record.
      yield* write(removedWrite(team, removedThenWritten!, t + 1), upload(removedThenWritten!, t + 2, 30))
      yield* expectRecord(team, removedThenWritten!, t + 2, { status: "success", size: 30, registeredAt: t + 2, updatedAt: t + 2, hitCount: 0 }, "removed, then uploaded again in the batch")
      yield* write(upload(writtenThenRemoved!, t + 2, 40), removedWrite(team, writtenThenRemoved!, t + 1))
      yield* expectRecord(team, writtenThenRemoved!, t + 2, { status: "success", size: 40, registeredAt: t, updatedAt: t + 2 }, "uploaded again, then the removal in the batch")

      // In two batches: the upload after the delete arrives first, or after.
      yield* write(upload(writtenEarlier!, t + 2, 50))
      yield* write(removedWrite(team, writtenEarlier!, t + 1))
      yield* expectRecord(team, writtenEarlier!, t + 2, { status: "success", size: 50 }, "uploaded again in an earlier batch")
      yield* write(removedWrite(team, writtenLater!, t + 1))
      yield* expectNoRecord(team, writtenLater!, t + 1, "removed")
      yield* write(upload(writtenLater!, t + 2, 60))
      yield* expectRecord(team, writtenLater!, t + 2, { status: "success", size: 60, registeredAt: t + 2 }, "uploaded again in a later batch")

      yield* expectUsage(team, 30 + 40 + 50 + 60, 4, "after the removals")
      yield* expectConsistentTeam(team, t + 10, "after the removals")

      // Other statuses are removed too.
      const [missing, failed] = [randomHash(), randomHash()]
      yield* write(artifactEvent("artifact.missed", team, missing, t), artifactEvent("artifact.upload_failed", team, failed, t))
      yield* write(removedWrite(team, missing, t + 1, "expired"), removedWrite(team, failed, t + 1, "purged"))
      yield* expectNoRecord(team, missing, t + 1, "a missing record")
      yield* expectNoRecord(team, failed, t + 1, "a failed record")
    }), testTimeout)

  it.effect("Removed: evictions and expiries of success records count in the evicted figures, purges do not", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 60_000
      const [evicted, expired, purged, kept, missing, rewritten] = Array.from({ length: 6 }, randomHash)
      yield* write(
        artifactEvent("artifact.uploaded", team, evicted!, t, { size: 100 }),
        artifactEvent("artifact.uploaded", team, expired!, t, { size: 200 }),
        artifactEvent("artifact.uploaded", team, purged!, t, { size: 400 }),
        artifactEvent("artifact.uploaded", team, kept!, t + 10, { size: 800 }),
        artifactEvent("artifact.uploaded", team, rewritten!, t, { size: 1600 }),
        artifactEvent("artifact.missed", team, missing!, t)
      )
      yield* expectStats(team, { bytes: 3100, count: 5, evictedCount: 0, evictedBytes: 0, oldestUsedAt: t }, "uploaded")
      yield* write(
        removedWrite(team, evicted!, t + 1, "evicted"),
        removedWrite(team, expired!, t + 1, "expired"),
        removedWrite(team, purged!, t + 1, "purged"),
        removedWrite(team, kept!, t + 1, "evicted"), // used after: kept, not counted
        removedWrite(team, missing!, t + 1, "evicted") // not a success record: removed, not counted
      )
      yield* expectNoRecord(team, missing!, t + 1, "a missing record evicted")
      yield* expectUsage(team, 2400, 2, "usage goes down by what was removed")
      yield* expectStats(team, { bytes: 2400, count: 2, evictedCount: 2, evictedBytes: 300, oldestUsedAt: t }, "removed")

      // Naturally idempotent: the same removals again (a retried batch), twice in one batch.
      yield* write(removedWrite(team, evicted!, t + 1, "evicted"), removedWrite(team, expired!, t + 1, "expired"))
      yield* write(removedWrite(team, rewritten!, t + 1, "evicted"), removedWrite(team, rewritten!, t + 1, "evicted"))
      yield* expectStats(team, { bytes: 800, count: 1, evictedCount: 3, evictedBytes: 1900, oldestUsedAt: t + 10 }, "removed again, and twice in one batch")
      // Evicted, then uploaded again in the same batch: the eviction happened, and the new record counts.
      yield* write(
        artifactEvent("artifact.uploaded", team, rewritten!, t + 20, { size: 5 }),
        removedWrite(team, kept!, t + 15, "expired"),
        artifactEvent("artifact.uploaded", team, kept!, t + 16, { size: 7 })
      )
      yield* expectStats(team, { bytes: 12, count: 2, evictedCount: 4, evictedBytes: 2700, oldestUsedAt: t + 16 }, "evicted and uploaded again")
      yield* expectUsage(team, 12, 2)

      // An absent record: nothing changes.
      const before = yield* stats(team)
      yield* write(removedWrite(team, randomHash(), t + 100, "evicted"), removedWrite(randomTeamId(), randomHash(), t + 100, "expired"))
      yield* expectStats(team, before, "a Removed of an absent record")
      yield* expectConsistentTeam(team, t + 100, "after the removals")
    }), testTimeout)

  it.effect("retentionStats of a team: its usage, what retention removed, the oldest last use of a success record", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 60_000
      yield* expectStats(team, { bytes: 0, count: 0, evictedCount: 0, evictedBytes: 0, oldestUsedAt: null }, "a team without records")
      const [a, b, c] = [randomHash(), randomHash(), randomHash()]
      yield* write(
        artifactEvent("artifact.missed", team, randomHash(), t - 1000),
        artifactEvent("artifact.upload_started", team, randomHash(), t - 900, { size: 5 }),
        artifactEvent("artifact.uploaded", team, a, t + 1, { size: 10 }),
        artifactEvent("artifact.uploaded", team, b, t + 2, { size: 20 }),
        artifactEvent("artifact.uploaded", team, c, t + 3, { size: 40 })
      )
      yield* expectStats(team, { bytes: 70, count: 3, evictedCount: 0, evictedBytes: 0, oldestUsedAt: t + 1 }, "other statuses have no last use that counts")
      yield* write(artifactEvent("artifact.downloaded", team, a, t + 5, { size: 10 }))
      yield* expectStats(team, { bytes: 70, count: 3, evictedCount: 0, evictedBytes: 0, oldestUsedAt: t + 2 }, "the oldest was read")
      yield* write(removedWrite(team, b, t + 2, "evicted"))
      yield* expectStats(team, { bytes: 50, count: 2, evictedCount: 1, evictedBytes: 20, oldestUsedAt: t + 3 }, "the oldest was evicted")
      yield* write(artifactEvent("artifact.missed", team, c, t + 6))
      yield* expectStats(team, { bytes: 10, count: 1, evictedCount: 1, evictedBytes: 20, oldestUsedAt: t + 5 }, "the oldest was missed")
      yield* write(removedWrite(team, a, t + 5, "expired"))
      yield* expectStats(team, { bytes: 0, count: 0, evictedCount: 2, evictedBytes: 30, oldestUsedAt: null }, "all removed: the evicted figures stay")
      const usage = yield* CacheIndex.use((index) => index.usage(team))
      assert.deepStrictEqual(usage, { bytes: 0, count: 0 })
    }), testTimeout)

  it.effect("retentionStats of the whole cache: the sums over the teams, and the oldest last use of any", () =>
    Effect.gen(function*() {
      const before = yield* stats(undefined)
      const [first, second] = [randomTeamId(), randomTeamId()]
      const t = randomHour() + 60_000
      const [a, b, c] = [randomHash(), randomHash(), randomHash()]
      yield* write(
        artifactEvent("artifact.uploaded", first, a, t, { size: 10 }),
        artifactEvent("artifact.uploaded", first, b, t, { size: 20 }),
        artifactEvent("artifact.uploaded", second, c, t, { size: 40 }),
        artifactEvent("artifact.uploaded", second, a, t, { size: 80 })
      )
      yield* write(removedWrite(first, b, t, "evicted"), removedWrite(second, c, t, "expired"), removedWrite(second, a, t, "purged"))
      const after = yield* stats(undefined)
      assert.deepStrictEqual(
        {
          bytes: after.bytes - before.bytes,
          count: after.count - before.count,
          evictedCount: after.evictedCount - before.evictedCount,
          evictedBytes: after.evictedBytes - before.evictedBytes
        },
        { bytes: 10, count: 1, evictedCount: 2, evictedBytes: 60 },
        "what the two teams added"
      )
      const oldest = before.oldestUsedAt === null ? t : Math.min(before.oldestUsedAt, t)
      assert.strictEqual(after.oldestUsedAt, oldest, "the oldest last use of the cache")
      yield* expectStats(first, { bytes: 10, count: 1, evictedCount: 1, evictedBytes: 20, oldestUsedAt: t }, "the first team")
      yield* expectStats(second, { bytes: 0, count: 0, evictedCount: 1, evictedBytes: 40, oldestUsedAt: null }, "the second team")

      // A record older than any other is the cache's oldest, until it goes.
      const ancient = randomHash()
      yield* write(storedWrite(second, ancient, info(3, statsEra)))
      yield* expectStats(undefined, { ...after, bytes: after.bytes + 3, count: after.count + 1, oldestUsedAt: statsEra }, "with a record from 1970")
      yield* write(removedWrite(second, ancient, statsEra, "purged"))
      yield* expectStats(undefined, after, "purged again")
    }), testTimeout)

  it.effect("deleteEventsBefore deletes the oldest stored events created before `before`, `limit` at a time; rollups stay", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const [team, other] = [randomTeamId(), randomTeamId()]
      const t = eventEra
      const step = 15 * 60_000
      const before = t + 5 * step
      yield* deleteAllEventsBefore(t + 10 * hour) // what an earlier run of this test may have left
      const hit = (teamId: string, at: number) =>
        eventWrite(makeEvent("usage.hit", teamId, at, { source: "REMOTE", duration_ms: 7 }, timedEventId(at)))
      // Ten events of the team every 15 minutes, another team's between the first two, and uncounted ones.
      const events = Array.from({ length: 10 }, (_, i) => hit(team, t + i * step))
      const others = [hit(other, t + 30_000), hit(other, before + 1)]
      yield* write(...events, ...others)
      yield* write(eventWrite(makeEvent("usage.miss", team, t + 1, { source: "LOCAL" }, timedEventId(t + 1)), false))
      const window = [t, t + 4 * hour] as const
      const totalsBefore = yield* index.analytics(team, ...window)
      assert.deepStrictEqual(totalsBefore, totals({ hitsRemote: 10, timeSaved: 70, missesLocal: 1 }), "counted")
      const idsOf = (teamId: string) => Effect.map(allEvents({ teamId }), (found) => found.map((e) => e.id).sort())
      const expectIds = (teamId: string, expected: ReadonlyArray<IndexWrite.Event>, message: string) =>
        Effect.map(idsOf(teamId), (ids) => {
          assert.deepStrictEqual(ids, expected.map((w) => w.event.id).sort(), message)
        })

      assert.strictEqual(yield* index.deleteEventsBefore(before, 0), 0, "limit 0")
      assert.strictEqual(yield* index.deleteEventsBefore(t, 100), 0, "nothing is older than the oldest")
      assert.strictEqual(yield* index.deleteEventsBefore(before, 2), 2, "the first step")
      yield* expectIds(team, events.slice(1), "the oldest event of the team is gone")
      yield* expectIds(other, others.slice(1), "and the other team's older one: the oldest of the whole index go first")
      assert.strictEqual(yield* index.deleteEventsBefore(before, 2), 2, "the second step")
      yield* expectIds(team, events.slice(3), "two more")
      assert.strictEqual(yield* index.deleteEventsBefore(before, 2), 2, "the third step")
      assert.strictEqual(yield* index.deleteEventsBefore(before, 2), 0, "nothing else is older")
      yield* expectIds(team, events.slice(5), "the event at exactly `before` and the later ones stay")
      yield* expectIds(other, others.slice(1), "the other team's later one stays")
      assert.deepStrictEqual(yield* index.analytics(team, ...window), totalsBefore, "the rollups stay")
      assert.deepStrictEqual(yield* index.analytics(other, ...window), totals({ hitsRemote: 2, timeSaved: 14 }), "the other team's too")

      // The rest, in one go.
      assert.strictEqual(yield* deleteAllEventsBefore(t + 10 * hour, 1000), 6)
      yield* expectIds(team, [], "all deleted")
      yield* expectIds(other, [], "all deleted")
      assert.deepStrictEqual(yield* index.analytics(team, ...window), totalsBefore, "the rollups still stay")
    }), testTimeout)

  it.effect("deleteUnstoredBefore deletes the oldest records that hold no artifact, `limit` at a time; stored ones and usage stay", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const [team, other] = [randomTeamId(), randomTeamId()]
      const t = unstoredEra + 60_000
      const before = t + 10_000
      const now = t + 20_000
      // What an earlier run of this test may have left.
      yield* deleteInSteps("deleteUnstoredBefore", (step) => index.deleteUnstoredBefore(before, step), 2)
      const [missed, failed, started, lost, stored, late] = orderedHashes(6) as [string, string, string, string, string, string]
      const unstored = (type: "artifact.missed" | "artifact.upload_failed" | "artifact.upload_started", teamId: string, hash: string, at: number) =>
        eventWrite(makeEvent(type, teamId, at, { hash, size: 1 }), false)
      yield* write(
        unstored("artifact.missed", team, missed, t + 1),
        unstored("artifact.upload_failed", other, failed, t + 2),
        unstored("artifact.upload_started", team, started, t + 3),
        storedWrite(team, lost, info(7, t - 50_000)),
        storedWrite(team, stored, info(5, t - 50_000)),
        unstored("artifact.missed", team, late, before)
      )
      // Stored, then found missing by a lookup: the storage lost it.
      yield* write(unstored("artifact.missed", team, lost, t + 4))
      yield* expectRecord(team, lost, now, { status: "missing" })
      yield* expectUsage(team, 5, 1, "before")

      assert.strictEqual(yield* index.deleteUnstoredBefore(before, 0), 0, "limit 0")
      assert.strictEqual(yield* index.deleteUnstoredBefore(t, 100), 0, "nothing is older than the oldest")
      assert.strictEqual(yield* index.deleteUnstoredBefore(before, 2), 2, "the first step")
      yield* expectNoRecord(team, missed, now, "the oldest goes first")
      yield* expectNoRecord(other, failed, now, "of any team")
      yield* expectRecord(team, started, now, { status: "registered" }, "the next one waits for the next step")
      assert.strictEqual(yield* index.deleteUnstoredBefore(before, 2), 2, "the second step")
      yield* expectNoRecord(team, started, now, "an upload that never finished")
      yield* expectNoRecord(team, lost, now, "a lost artifact's record")
      assert.strictEqual(yield* index.deleteUnstoredBefore(before, 2), 0, "nothing else is older")
      yield* expectRecord(team, stored, now, { status: "success", size: 5 }, "a stored artifact stays, however old")
      yield* expectRecord(team, late, now, { status: "missing" }, "a record updated at exactly `before` stays")
      yield* expectUsage(team, 5, 1, "usage counts stored artifacts only, so it stays")

      yield* write(...[stored, late].map((hash) => eventWrite(makeEvent("artifact.deleted", team, now, { hash }), false)))
      yield* expectNoRecord(team, stored, now, "cleaned up")
    }), testTimeout)

  it.effect("deleteRollupsBefore deletes every team's rollups of the hours before `before`, and no event", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const [team, other] = [randomTeamId(), randomTeamId()]
      const h = rollupEra
      yield* index.deleteRollupsBefore(h + 2 * hour) // what an earlier run of this test may have left
      const counted = (teamId: string, at: number) => eventWrite(makeEvent("usage.hit", teamId, at, { source: "LOCAL" }), false)
      const stored = eventWrite(makeEvent("usage.miss", team, h + 5, { source: "LOCAL" }, timedEventId(h + 5)))
      yield* write(
        stored,
        counted(team, h),
        counted(team, h + 2 * hour - 1),
        counted(team, h + 2 * hour),
        counted(team, h + 3 * hour + 10),
        counted(other, h + hour)
      )
      yield* expectTotals(team, h, h + 2 * hour, totals({ hitsLocal: 2, missesLocal: 1 }), "before")
      assert.strictEqual(yield* index.deleteRollupsBefore(h), 0, "no hour before the first")
      assert.strictEqual(yield* index.deleteRollupsBefore(h + 2 * hour), 3, "two hours of the team, one of the other")
      yield* expectTotals(team, h, h + 2 * hour, emptyTotals, "the deleted hours")
      yield* expectTotals(other, h, h + 2 * hour, emptyTotals, "the other team's deleted hour")
      yield* expectTotals(team, h + 2 * hour, h + 4 * hour, totals({ hitsLocal: 2 }), "the hours from `before` stay")
      assert.strictEqual(yield* index.deleteRollupsBefore(h + 2 * hour), 0, "deleted already")
      const events = yield* allEvents({ teamId: team })
      assert.deepStrictEqual(events.map((e) => e.id), [stored.event.id], "the stored event stays")
      assert.strictEqual(yield* index.deleteRollupsBefore(h + 4 * hour), 2)
      yield* deleteAllEventsBefore(h + 4 * hour)
    }), testTimeout)

  it.effect("tryLease: one holder at a time until the lease expires; its holder renews it", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const [name, other] = [`test.lease.${randomHash()}`, `test.lease.${randomHash()}`]
      const t = randomHour()
      assert.isTrue(yield* index.tryLease(name, "a", 1000, t), "a free lease")
      assert.isFalse(yield* index.tryLease(name, "b", 1000, t + 500), "held by a")
      assert.isTrue(yield* index.tryLease(name, "a", 1000, t + 900), "a renews it, until t + 1900")
      assert.isFalse(yield* index.tryLease(name, "b", 1000, t + 1500), "held by a, renewed")
      assert.isFalse(yield* index.tryLease(name, "b", 1000, t + 1899), "held by a, a millisecond before it expires")
      assert.isTrue(yield* index.tryLease(name, "b", 1000, t + 1900), "expired: b takes it")
      assert.isFalse(yield* index.tryLease(name, "a", 1000, t + 1901), "held by b")
      assert.isTrue(yield* index.tryLease(name, "b", 50, t + 1950), "b renews it")
      assert.isTrue(yield* index.tryLease(name, "a", 1000, t + 2000), "b's shorter renewal expired")
      assert.isTrue(yield* index.tryLease(other, "b", 1000, t), "another lease is another")
      assert.isFalse(yield* index.tryLease(other, "a", 1000, t + 999), "held by b")
      assert.isTrue(yield* index.tryLease(other, "a", 1000, t + 1000), "a refused attempt did not extend it")
    }), testTimeout)

  it.effect("tryLease: of many holders trying at once, exactly one gets the lease", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const t = randomHour()
      const holders = Array.from({ length: 12 }, (_, i) => `replica-${i}`)
      for (let round = 0; round < 5; round++) {
        const name = `test.lease.${randomHash()}`
        const race = (now: number) =>
          Effect.forEach(holders, (holder) => index.tryLease(name, holder, 10_000, now), { concurrency: "unbounded" })
        const won = yield* race(t)
        assert.strictEqual(won.filter(Boolean).length, 1, `exactly one of ${holders.length} takes a free lease (round ${round})`)
        const winner = holders[won.indexOf(true)]!
        const again = yield* race(t + 1)
        assert.deepStrictEqual(again, holders.map((holder) => holder === winner), "only the holder renews it")
        const expired = yield* race(t + 1 + 10_000)
        assert.strictEqual(expired.filter(Boolean).length, 1, `exactly one takes an expired lease (round ${round})`)
      }
    }), testTimeout)
}
