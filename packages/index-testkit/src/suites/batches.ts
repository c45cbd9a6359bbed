import { assert } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import type { IndexWrite } from "@hoard/core"
import { Effect, Exit, Option } from "effect"
import {
  allArtifacts,
  allEvents,
  artifactEvent,
  eventWrite,
  goneWrite,
  makeEvent,
  randomHash,
  randomHour,
  randomTeamId,
  storedWrite
} from "../helpers.ts"
import {
  analytics,
  expectNoRecord,
  expectRecord,
  expectStatus,
  expectTotals,
  expectUsage,
  testTimeout,
  totals,
  write
} from "./fixtures.ts"
import type { IndexIt, SuiteOptions } from "./fixtures.ts"

/** Everything the index says about one team, to compare before and after. */
const snapshot = (teamId: string, hashes: ReadonlyArray<string>, from: number, to: number, now: number) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    return {
      artifacts: yield* allArtifacts({ teamId, now }),
      records: yield* Effect.forEach(hashes, (hash) => index.getArtifact(teamId, hash, now)),
      events: yield* allEvents({ teamId }),
      totals: yield* index.analytics(teamId, from, to),
      usage: yield* index.usage(teamId),
      successHashes: yield* index.successHashes(teamId, undefined, 1000)
    }
  })

export const batchTests = (it: IndexIt, options: SuiteOptions): void => {
  it.effect("a batch is applied in array order", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 1000
      const now = t + 1000
      const [bigLast, smallLast, deletedLast, uploadedLast, failedLast, startedLast, goneLast, storedLast] = Array.from(
        { length: 8 },
        randomHash
      ) as [string, string, string, string, string, string, string, string]
      yield* write(
        artifactEvent("artifact.uploaded", team, bigLast, t, { size: 10 }),
        artifactEvent("artifact.uploaded", team, bigLast, t, { size: 20 }),
        artifactEvent("artifact.uploaded", team, smallLast, t, { size: 20 }),
        artifactEvent("artifact.uploaded", team, smallLast, t, { size: 10 }),
        artifactEvent("artifact.uploaded", team, deletedLast, t, { size: 1 }),
        artifactEvent("artifact.deleted", team, deletedLast, t),
        artifactEvent("artifact.deleted", team, uploadedLast, t),
        artifactEvent("artifact.uploaded", team, uploadedLast, t, { size: 1 }),
        artifactEvent("artifact.upload_started", team, failedLast, t, { size: 5 }),
        artifactEvent("artifact.upload_failed", team, failedLast, t),
        artifactEvent("artifact.upload_failed", team, startedLast, t),
        artifactEvent("artifact.upload_started", team, startedLast, t, { size: 5 }),
        artifactEvent("artifact.uploaded", team, goneLast, t, { size: 5 }),
        goneWrite(team, goneLast, t + 1),
        goneWrite(team, storedLast, t + 1),
        storedWrite(team, storedLast, { size: 7, createdAt: t, metadata: { durationMs: 0 } })
      )
      yield* expectRecord(team, bigLast, now, { status: "success", size: 20 }, "two uploads at one time: the later one in the batch wins")
      yield* expectRecord(team, smallLast, now, { status: "success", size: 10 }, "two uploads at one time: the later one in the batch wins")
      yield* expectNoRecord(team, deletedLast, now, "uploaded then deleted")
      yield* expectStatus(team, uploadedLast, now, "success", "deleted then uploaded")
      yield* expectStatus(team, failedLast, now, "failed", "started then failed")
      yield* expectStatus(team, startedLast, now, "registered", "failed then started")
      yield* expectStatus(team, goneLast, now, "missing", "uploaded then gone")
      yield* expectRecord(team, storedLast, now, { status: "success", size: 7 }, "gone (nothing) then stored")
    }), testTimeout)

  it.effect("a batch of a thousand and more writes is applied whole, whatever the size of the index's statements", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const hour = randomHour()
      const t = hour + 60_000
      const now = t + 60_000
      // Sizes around the powers of two and four an implementation may cut its statements at.
      const uploaded = Array.from({ length: 1_000 }, randomHash)
      const missed = Array.from({ length: 333 }, randomHash)
      yield* write(
        ...uploaded.flatMap((hash, i) => [
          artifactEvent("artifact.upload_started", team, hash, t, { size: i + 1 }),
          artifactEvent("artifact.uploaded", team, hash, t + 1, { size: i + 1 })
        ]),
        ...missed.map((hash) => eventWrite(makeEvent("artifact.missed", team, t + 2, { hash }), false))
      )
      const bytes = (1_000 * 1_001) / 2
      yield* expectUsage(team, bytes, 1_000)
      yield* expectTotals(team, hour, hour + 3_600_000, totals({ uploads: 1_000, bytesUploaded: bytes }))
      yield* expectRecord(team, uploaded[0]!, now, { status: "success", size: 1 }, "the first upload")
      yield* expectRecord(team, uploaded[999]!, now, { status: "success", size: 1_000 }, "the last upload")
      yield* expectStatus(team, missed[332]!, now, "missing", "the last miss")
      assert.strictEqual((yield* allEvents({ teamId: team })).length, 2_000, "every stored event, and no missed one")
      assert.strictEqual((yield* allArtifacts({ teamId: team, now })).length, 1_333, "a record per hash")
    }), testTimeout)

  it.effect("an event whose id is already stored changes nothing (a retried batch counts once)", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const hour = randomHour()
      const t = hour + 60_000
      const now = t + 60_000
      const hash = randomHash()
      const batch: ReadonlyArray<IndexWrite> = [
        artifactEvent("artifact.upload_started", team, hash, t, { size: 100 }),
        artifactEvent("artifact.uploaded", team, hash, t + 1, { size: 100, sha: "abc" }),
        artifactEvent("artifact.downloaded", team, hash, t + 2, { size: 100 }),
        eventWrite(makeEvent("usage.hit", team, t + 3, { source: "REMOTE", duration_ms: 500, hash })),
        eventWrite(makeEvent("usage.miss", team, t + 4, { source: "LOCAL", hash })),
        eventWrite(makeEvent("auth.rejected", team, t + 5, { status: 403 }))
      ]
      yield* write(...batch)
      const expectedTotals = totals({ hitsRemote: 1, timeSaved: 500, missesLocal: 1, uploads: 1, bytesUploaded: 100, downloads: 1, bytesDownloaded: 100, rejected: 1 })
      yield* expectTotals(team, hour, hour + 3_600_000, expectedTotals, "after the first write")
      yield* expectRecord(team, hash, now, { status: "success", size: 100, hitCount: 1, obtainedAt: t + 2 })
      yield* expectUsage(team, 100, 1)
      const before = yield* snapshot(team, [hash], hour, hour + 3_600_000, now)
      assert.strictEqual(before.events.length, batch.length)

      yield* write(...batch)
      yield* write(...batch.slice(0, 3))
      yield* write(...batch.slice(3), ...batch.slice(0, 2))
      assert.deepStrictEqual(yield* snapshot(team, [hash], hour, hour + 3_600_000, now), before, "the batch written again")

      // Within one batch too: the second copy finds the first stored.
      const twice = makeEvent("artifact.downloaded", team, t + 6, { hash, size: 7 })
      yield* write(eventWrite(twice), eventWrite(twice))
      yield* expectRecord(team, hash, now, { hitCount: 2, obtainedAt: t + 6 }, "an event twice in one batch")
      yield* expectTotals(team, hour, hour + 3_600_000, { ...expectedTotals, downloads: 2, bytes_downloaded: 107 }, "an event twice in one batch")
    }), testTimeout)

  it.effect("a retried event does not undo what came after it", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const hash = randomHash()
      const first = artifactEvent("artifact.uploaded", team, hash, t, { size: 100 })
      yield* write(first)
      yield* write(artifactEvent("artifact.uploaded", team, hash, t, { size: 200 }))
      yield* expectRecord(team, hash, t + 1, { status: "success", size: 200 })
      // Were it applied again, this upload (same time) would win.
      yield* write(first)
      yield* expectRecord(team, hash, t + 1, { status: "success", size: 200 }, "the first upload retried")
      yield* expectUsage(team, 200, 1)
      yield* expectTotals(team, t, t + 1, totals({ uploads: 2, bytesUploaded: 300 }))

      const deleted = artifactEvent("artifact.deleted", team, hash, t + 5)
      yield* write(deleted)
      yield* write(artifactEvent("artifact.uploaded", team, hash, t + 5, { size: 300 }))
      yield* write(deleted)
      yield* expectRecord(team, hash, t + 6, { status: "success", size: 300 }, "a deletion retried after a new upload")
    }), testTimeout)

  it.effect("an event id already stored keeps its first content", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const first = makeEvent("usage.hit", team, t, { source: "REMOTE", duration_ms: 100 })
      yield* write(eventWrite(first))
      yield* write(eventWrite(makeEvent("auth.rejected", team, t + 10, { status: 401 }, first.id)))
      const index = yield* CacheIndex
      const found = yield* index.getEvent(team, first.id)
      assert.isTrue(Option.isSome(found), "the event is stored")
      assert.strictEqual(Option.getOrThrow(found).event_type, "usage.hit", "the stored event is never updated")
      assert.deepStrictEqual(Option.getOrThrow(found).data, first.data)
      yield* expectTotals(team, t, t + 1, totals({ hitsRemote: 1, timeSaved: 100 }), "the second write of the id counts nothing")
      assert.strictEqual((yield* allEvents({ teamId: team })).length, 1)
    }), testTimeout)

  if (options.failingWrite === undefined) {
    it.effect.skip("a batch with a write that fails changes nothing (give options.failingWrite to run it)", () => Effect.void)
  } else {
    const failingWrite = options.failingWrite
    it.effect("a batch with a write that fails changes nothing", () =>
      Effect.gen(function*() {
        const index = yield* CacheIndex
        const team = randomTeamId()
        const hour = randomHour()
        const t = hour + 1000
        const now = t + 1000
        const [kept, added, stored] = [randomHash(), randomHash(), randomHash()]
        yield* write(artifactEvent("artifact.uploaded", team, kept, t, { size: 10 }))
        const before = yield* snapshot(team, [kept, added, stored], hour, hour + 3_600_000, now)
        const good: ReadonlyArray<IndexWrite> = [
          artifactEvent("artifact.uploaded", team, added, t + 1, { size: 50 }),
          artifactEvent("artifact.downloaded", team, kept, t + 2, { size: 10 }),
          eventWrite(makeEvent("usage.hit", team, t + 3, { source: "REMOTE", duration_ms: 70 })),
          eventWrite(makeEvent("auth.rejected", team, t + 4, {}), false),
          storedWrite(team, stored, { size: 5, createdAt: t + 5, metadata: { durationMs: 1 } })
        ]
        const deletion = artifactEvent("artifact.deleted", team, kept, t + 6)
        for (const batch of [[...good, failingWrite(team), deletion], [failingWrite(team), ...good, deletion], [...good, deletion, failingWrite(team)]]) {
          const exit = yield* Effect.exit(index.write(batch))
          assert.isTrue(Exit.isFailure(exit), "the batch with options.failingWrite fails")
          assert.deepStrictEqual(yield* snapshot(team, [kept, added, stored], hour, hour + 3_600_000, now), before, "nothing of it applied")
        }
        // The same batch without the failing write applies (the index is still usable).
        yield* index.write([...good, deletion])
        yield* expectNoRecord(team, kept, now)
        yield* expectRecord(team, added, now, { status: "success", size: 50 })
        yield* expectRecord(team, stored, now, { status: "success", size: 5 })
        assert.deepStrictEqual(
          yield* analytics(team, hour, hour + 3_600_000),
          totals({ uploads: 2, bytesUploaded: 60, downloads: 1, bytesDownloaded: 10, hitsRemote: 1, timeSaved: 70, rejected: 1 })
        )
      }), testTimeout)
  }
}
