import { assert } from "@effect/vitest"
import type { ArtifactInfo, ArtifactStatus, IndexedArtifact } from "@hoard/core"
import { Effect } from "effect"
import { artifactEvent, goneWrite, randomHash, randomHour, randomTeamId, removedWrite, storedWrite } from "../helpers.ts"
import { expectNoRecord, expectRecord, expectUsage, recordOf, testTimeout, write } from "./fixtures.ts"
import type { IndexIt } from "./fixtures.ts"

const info = (size: number, createdAt: number, sha = "5ha-stored"): ArtifactInfo => ({
  size,
  createdAt,
  metadata: { durationMs: 321, tag: "signature", sha, dirtyHash: "dirty-stored", clientCi: "buildkite" }
})

const creating = {
  success: "artifact.uploaded",
  registered: "artifact.upload_started",
  failed: "artifact.upload_failed",
  missing: "artifact.missed"
} as const

const recordIn = (team: string, status: ArtifactStatus, t: number, size = 100) =>
  Effect.gen(function*() {
    const hash = randomHash()
    yield* write(artifactEvent(creating[status], team, hash, t, { size, sha: "sha-event", token_name: "uploader" }))
    return yield* expectRecord(team, hash, t, { status, updatedAt: t }, `made ${status}`)
  })

export const reconciliationTests = (it: IndexIt): void => {
  it.effect("Stored makes an absent artifact a success record from the storage's info", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const hash = randomHash()
      const t = randomHour() + 77
      yield* write(storedWrite(team, hash, info(2048, t)))
      const expected: IndexedArtifact = {
        teamId: team,
        hash,
        status: "success",
        size: 2048,
        registeredAt: t,
        updatedAt: t,
        obtainedAt: null,
        durationMs: 321,
        sha: "5ha-stored",
        dirtyHash: "dirty-stored",
        hasTag: true,
        clientCi: "buildkite",
        uploader: null,
        hitCount: 0
      }
      assert.deepStrictEqual(yield* recordOf(team, hash, t), expected)
      const bare = randomHash()
      yield* write(storedWrite(team, bare, { size: 1, createdAt: t, metadata: { durationMs: 0 } }))
      yield* expectRecord(team, bare, t, { status: "success", size: 1, sha: null, dirtyHash: null, hasTag: false, clientCi: null, durationMs: 0 }, "metadata with only durationMs")
      yield* expectUsage(team, 2049, 2)
    }), testTimeout)

  it.effect("Stored makes registered, failed and missing records success with the stored size and metadata", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      for (const status of ["registered", "failed", "missing"] as const) {
        for (const createdAt of [t - 1000, t + 1000]) {
          const record = yield* recordIn(team, status, t)
          yield* write(storedWrite(team, record.hash, info(777, createdAt)))
          yield* expectRecord(team, record.hash, t + 1000, {
            status: "success",
            size: 777,
            sha: "5ha-stored",
            dirtyHash: "dirty-stored",
            hasTag: true,
            clientCi: "buildkite",
            durationMs: 321
          }, `a ${status} record, stored ${createdAt < t ? "before" : "after"} its last update`)
        }
      }
      yield* expectUsage(team, 6 * 777, 6)
    }), testTimeout)

  it.effect("Stored leaves a success record of that size updated later unchanged, and corrects the others", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 10_000
      const newer = yield* recordIn(team, "success", t, 100)
      yield* write(storedWrite(team, newer.hash, info(100, t - 5000)))
      assert.deepStrictEqual(yield* recordOf(team, newer.hash, t), newer, "same size, updated after the stored createdAt")

      const resized = yield* recordIn(team, "success", t, 100)
      yield* write(storedWrite(team, resized.hash, info(250, t - 5000)))
      yield* expectRecord(team, resized.hash, t, { status: "success", size: 250, sha: "5ha-stored" }, "another size: storage is the truth")

      const older = yield* recordIn(team, "success", t, 100)
      yield* write(storedWrite(team, older.hash, info(100, t + 5000)))
      yield* expectRecord(team, older.hash, t + 5000, { status: "success", size: 100, sha: "5ha-stored", hasTag: true }, "same size, stored after the record's update")
      yield* expectUsage(team, 100 + 250 + 100, 3)
    }), testTimeout)

  it.effect("Gone makes a success record updated before `at` missing, and nothing else", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 10_000
      const before = yield* recordIn(team, "success", t - 1)
      const same = yield* recordIn(team, "success", t)
      const after = yield* recordIn(team, "success", t + 1)
      yield* expectUsage(team, 300, 3)
      yield* write(goneWrite(team, before.hash, t), goneWrite(team, same.hash, t), goneWrite(team, after.hash, t))
      yield* expectRecord(team, before.hash, t, { status: "missing" }, "updated before the walk started")
      assert.deepStrictEqual(yield* recordOf(team, same.hash, t + 1), same, "updated when the walk started")
      assert.deepStrictEqual(yield* recordOf(team, after.hash, t + 1), after, "updated after the walk started (uploaded meanwhile)")
      yield* expectUsage(team, 200, 2)
      for (const status of ["registered", "failed", "missing"] as const) {
        const record = yield* recordIn(team, status, t - 1000)
        yield* write(goneWrite(team, record.hash, t))
        assert.deepStrictEqual(yield* recordOf(team, record.hash, t - 1000), record, `a ${status} record is unchanged`)
      }
      const absent = randomHash()
      yield* write(goneWrite(team, absent, t))
      yield* expectNoRecord(team, absent, t, "Gone of an absent artifact")
    }), testTimeout)

  // A walk lists a page, then applies it: an eviction, purge or delete in between must not come back.
  it.effect("Stored of an object created at or before the artifact's last removal changes nothing; one created after it applies", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 10_000
      const [evicted, deleted, sameBatch, missedAfter, neverIndexed, reuploaded] = Array.from({ length: 6 }, randomHash)
      for (const hash of [evicted, deleted, sameBatch, missedAfter, reuploaded]) {
        yield* write(artifactEvent("artifact.uploaded", team, hash!, t, { size: 100 }))
      }
      yield* expectUsage(team, 500, 5, "five uploads")

      yield* write(removedWrite(team, evicted!, t + 10))
      yield* write(storedWrite(team, evicted!, info(100, t)), storedWrite(team, evicted!, info(100, t + 10)))
      yield* expectNoRecord(team, evicted!, t + 10, "listed before the eviction, applied after it")

      yield* write(artifactEvent("artifact.deleted", team, deleted!, t + 10))
      yield* write(storedWrite(team, deleted!, info(100, t)))
      yield* expectNoRecord(team, deleted!, t + 10, "listed before an admin's delete")

      yield* write(removedWrite(team, sameBatch!, t + 10, "purged"), storedWrite(team, sameBatch!, info(100, t)))
      yield* expectNoRecord(team, sameBatch!, t + 10, "the removal and the stale listing in one batch")

      yield* write(removedWrite(team, missedAfter!, t + 10))
      yield* write(artifactEvent("artifact.missed", team, missedAfter!, t + 20))
      yield* write(storedWrite(team, missedAfter!, info(100, t)))
      yield* expectRecord(team, missedAfter!, t + 20, { status: "missing" }, "missed after the eviction, then the stale listing")

      yield* write(removedWrite(team, neverIndexed!, t + 10))
      yield* write(storedWrite(team, neverIndexed!, info(100, t)))
      yield* expectNoRecord(team, neverIndexed!, t + 10, "removed before the index knew it")

      yield* expectUsage(team, 100, 1, "only the re-uploaded one left")
      yield* write(removedWrite(team, reuploaded!, t + 10))
      yield* write(storedWrite(team, reuploaded!, info(250, t + 11)))
      yield* expectRecord(team, reuploaded!, t + 11, { status: "success", size: 250, registeredAt: t + 11 }, "stored again after the removal")
      yield* write(storedWrite(team, missedAfter!, info(300, t + 30)))
      yield* expectRecord(team, missedAfter!, t + 30, { status: "success", size: 300 }, "a missing record, stored again after the removal")
      yield* expectUsage(team, 550, 2)
    }), testTimeout)
}
