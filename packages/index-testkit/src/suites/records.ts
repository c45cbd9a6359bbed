import { assert } from "@effect/vitest"
import { staleUploadMs } from "@hoard/core"
import type { ActivityEventType, ArtifactStatus, IndexedArtifact } from "@hoard/core"
import { Effect } from "effect"
import { allArtifacts, artifactEvent, eventWrite, makeEvent, randomHash, randomHour, randomTeamId } from "../helpers.ts"
import { expectNoRecord, expectRecord, expectStatus, expectUsage, recordOf, testTimeout, write } from "./fixtures.ts"
import type { IndexIt } from "./fixtures.ts"

/** The event that makes an absent record `status` at `t`. */
const creating: Record<ArtifactStatus, ActivityEventType> = {
  success: "artifact.uploaded",
  registered: "artifact.upload_started",
  failed: "artifact.upload_failed",
  missing: "artifact.missed"
}

const statuses: ReadonlyArray<ArtifactStatus> = ["success", "registered", "failed", "missing"]

/** A record of a fresh hash in `status`, updated at `t`. */
const recordIn = (team: string, status: ArtifactStatus, t: number, size = 100) =>
  Effect.gen(function*() {
    const hash = randomHash()
    yield* write(artifactEvent(creating[status], team, hash, t, { size, sha: "sha-1", duration_ms: 10 }))
    return yield* expectRecord(team, hash, t, { status, updatedAt: t }, `made ${status}`)
  })

const uploadData = {
  size: 4096,
  sha: "8f2c1d0e9b7a",
  dirty_hash: "dirty-3e4f5a",
  has_tag: true,
  client_ci: "github-actions",
  token_name: "ci-token",
  duration_ms: 1234
} as const

export const recordTests = (it: IndexIt): void => {
  it.effect("upload_started registers an absent artifact with the announced size", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const hash = randomHash()
      const t = randomHour() + 5
      yield* write(artifactEvent("artifact.upload_started", team, hash, t, uploadData))
      yield* expectRecord(team, hash, t, {
        teamId: team,
        hash,
        status: "registered",
        size: 4096,
        registeredAt: t,
        updatedAt: t,
        obtainedAt: null,
        sha: "8f2c1d0e9b7a",
        durationMs: 1234,
        hitCount: 0
      })
      yield* expectUsage(team, 0, 0, "a registered record is not counted")
    }), testTimeout)

  it.effect("upload_started leaves a success record unchanged and re-registers the others", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const success = yield* recordIn(team, "success", t)
      yield* write(artifactEvent("artifact.upload_started", team, success.hash, t + 10, { size: 1 }))
      assert.deepStrictEqual(yield* recordOf(team, success.hash, t + 10), success, "a success record: the old bytes are still served")
      for (const status of ["registered", "failed", "missing"] as const) {
        const record = yield* recordIn(team, status, t)
        yield* write(artifactEvent("artifact.upload_started", team, record.hash, t + 10, { size: 1 }))
        yield* expectRecord(team, record.hash, t + 10, { status: "registered", updatedAt: t + 10 }, `from ${status}`)
      }
    }), testTimeout)

  it.effect("uploaded makes a success record with the event's size and metadata", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const hash = randomHash()
      const t = randomHour() + 5
      yield* write(artifactEvent("artifact.uploaded", team, hash, t, uploadData))
      const expected: IndexedArtifact = {
        teamId: team,
        hash,
        status: "success",
        size: 4096,
        registeredAt: t,
        updatedAt: t,
        obtainedAt: null,
        durationMs: 1234,
        sha: "8f2c1d0e9b7a",
        dirtyHash: "dirty-3e4f5a",
        hasTag: true,
        clientCi: "github-actions",
        uploader: "ci-token",
        hitCount: 0
      }
      assert.deepStrictEqual(yield* recordOf(team, hash, t), expected, "an absent artifact uploaded")

      // An overwrite takes everything from the new upload, absent fields included.
      yield* write(artifactEvent("artifact.uploaded", team, hash, t + 100, { size: 10 }))
      yield* expectRecord(team, hash, t + 100, {
        status: "success",
        size: 10,
        registeredAt: t,
        updatedAt: t + 100,
        durationMs: null,
        sha: null,
        dirtyHash: null,
        hasTag: false,
        clientCi: null,
        uploader: null
      }, "overwritten by an upload without metadata")
      yield* expectUsage(team, 10, 1)

      for (const status of ["registered", "failed", "missing"] as const) {
        const record = yield* recordIn(team, status, t)
        yield* write(artifactEvent("artifact.uploaded", team, record.hash, t + 50, uploadData))
        yield* expectRecord(team, record.hash, t + 50, {
          status: "success",
          size: 4096,
          registeredAt: t,
          updatedAt: t + 50,
          sha: "8f2c1d0e9b7a",
          dirtyHash: "dirty-3e4f5a",
          hasTag: true,
          clientCi: "github-actions",
          uploader: "ci-token",
          durationMs: 1234
        }, `from ${status}`)
      }
      yield* expectUsage(team, 10 + 3 * 4096, 4)
    }), testTimeout)

  it.effect("upload_failed fails absent and unfinished records, never a success one", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const absent = randomHash()
      yield* write(artifactEvent("artifact.upload_failed", team, absent, t + 1, { reason: "aborted" }))
      yield* expectRecord(team, absent, t + 1, { status: "failed", registeredAt: t + 1, updatedAt: t + 1 }, "from absent")
      const success = yield* recordIn(team, "success", t)
      yield* write(artifactEvent("artifact.upload_failed", team, success.hash, t + 10))
      assert.deepStrictEqual(yield* recordOf(team, success.hash, t + 10), success, "a success record is unchanged")
      for (const status of ["registered", "failed", "missing"] as const) {
        const record = yield* recordIn(team, status, t)
        yield* write(artifactEvent("artifact.upload_failed", team, record.hash, t + 10))
        yield* expectRecord(team, record.hash, t + 10, { status: "failed", updatedAt: t + 10 }, `from ${status}`)
      }
    }), testTimeout)

  it.effect("downloaded counts a hit and keeps the latest download, even when older than the record", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 10_000
      const record = yield* recordIn(team, "success", t)
      const download = (at: number) => write(artifactEvent("artifact.downloaded", team, record.hash, at, { size: 100 }))
      yield* download(t + 2000)
      yield* expectRecord(team, record.hash, t, { hitCount: 1, obtainedAt: t + 2000, status: "success", updatedAt: t }, "a download")
      yield* download(t + 1500)
      yield* expectRecord(team, record.hash, t, { hitCount: 2, obtainedAt: t + 2000 }, "an older download keeps obtainedAt")
      yield* download(t - 5000)
      yield* expectRecord(team, record.hash, t, { hitCount: 3, obtainedAt: t + 2000, updatedAt: t }, "a download older than updatedAt still counts")
      yield* download(t + 3000)
      yield* expectRecord(team, record.hash, t, { hitCount: 4, obtainedAt: t + 3000 })

      const first = yield* recordIn(team, "success", t)
      yield* write(artifactEvent("artifact.downloaded", team, first.hash, t - 1, { size: 100 }))
      yield* expectRecord(team, first.hash, t, { hitCount: 1, obtainedAt: t - 1 }, "a first download older than the record")

      const absent = randomHash()
      yield* write(artifactEvent("artifact.downloaded", team, absent, t, { size: 100 }))
      yield* expectNoRecord(team, absent, t, "a download of an absent artifact makes no record")
      yield* expectUsage(team, 200, 2, "downloads change no usage")
    }), testTimeout)

  it.effect("missed marks absent and success records missing, and leaves the others", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const absent = randomHash()
      yield* write(artifactEvent("artifact.missed", team, absent, t + 1))
      yield* expectRecord(team, absent, t + 1, { status: "missing", registeredAt: t + 1, updatedAt: t + 1 }, "from absent")
      const success = yield* recordIn(team, "success", t)
      yield* expectUsage(team, 100, 1)
      yield* write(artifactEvent("artifact.missed", team, success.hash, t + 10))
      yield* expectStatus(team, success.hash, t + 10, "missing", "from success: storage lost it")
      yield* expectUsage(team, 0, 0, "a missing record is not counted")
      for (const status of ["registered", "failed", "missing"] as const) {
        const record = yield* recordIn(team, status, t)
        yield* write(artifactEvent("artifact.missed", team, record.hash, t + 10))
        assert.deepStrictEqual(yield* recordOf(team, record.hash, t + 10), record, `a ${status} record is unchanged`)
      }
    }), testTimeout)

  it.effect("deleted removes the record, whatever its status; a later upload starts afresh", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      for (const status of statuses) {
        const record = yield* recordIn(team, status, t)
        yield* write(artifactEvent("artifact.downloaded", team, record.hash, t + 1, { size: 1 }))
        yield* write(artifactEvent("artifact.deleted", team, record.hash, t + 10))
        yield* expectNoRecord(team, record.hash, t + 10, `a deleted ${status} record`)
        yield* write(artifactEvent("artifact.uploaded", team, record.hash, t + 20, { size: 7 }))
        yield* expectRecord(team, record.hash, t + 20, {
          status: "success",
          size: 7,
          registeredAt: t + 20,
          updatedAt: t + 20,
          hitCount: 0,
          obtainedAt: null
        }, `uploaded after the deletion of a ${status} record`)
      }
      const absent = randomHash()
      yield* write(artifactEvent("artifact.deleted", team, absent, t))
      yield* expectNoRecord(team, absent, t, "deleting an absent artifact")
      yield* expectUsage(team, 4 * 7, 4)
    }), testTimeout)

  it.effect("an event older than the record's updatedAt changes no state (t >= updated_at)", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour() + 60_000
      const olderEvents: ReadonlyArray<ActivityEventType> = [
        "artifact.upload_started",
        "artifact.uploaded",
        "artifact.upload_failed",
        "artifact.missed",
        "artifact.deleted"
      ]
      for (const status of statuses) {
        const record = yield* recordIn(team, status, t)
        for (const type of olderEvents) {
          yield* write(artifactEvent(type, team, record.hash, t - 1, { size: 555, sha: "older" }))
          assert.deepStrictEqual(yield* recordOf(team, record.hash, t), record, `${type} older than a ${status} record`)
        }
      }
      yield* expectUsage(team, 100, 1)

      // At the same time it applies.
      const same: ReadonlyArray<readonly [ArtifactStatus, ActivityEventType, ArtifactStatus | "absent"]> = [
        ["registered", "artifact.uploaded", "success"],
        ["registered", "artifact.upload_failed", "failed"],
        ["failed", "artifact.upload_started", "registered"],
        ["success", "artifact.missed", "missing"],
        ["success", "artifact.deleted", "absent"],
        ["missing", "artifact.uploaded", "success"]
      ]
      for (const [from, type, to] of same) {
        const record = yield* recordIn(team, from, t)
        yield* write(artifactEvent(type, team, record.hash, t, { size: 100 }))
        if (to === "absent") yield* expectNoRecord(team, record.hash, t, `${type} at the time of a ${from} record`)
        else yield* expectStatus(team, record.hash, t, to, `${type} at the time of a ${from} record`)
      }
    }), testTimeout)

  it.effect(`a registered record older than staleUploadMs reads as failed`, () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const record = yield* recordIn(team, "registered", t)
      const realFailed = yield* recordIn(team, "failed", t + 1)
      const fresh = yield* recordIn(team, "registered", t + 2)
      const limit = t + staleUploadMs
      yield* expectRecord(team, record.hash, limit, { status: "registered", updatedAt: t }, "exactly staleUploadMs old")
      yield* expectRecord(team, record.hash, limit + 1, { status: "failed", updatedAt: t }, "more than staleUploadMs old")
      const hashes = (status: ArtifactStatus, now: number) =>
        Effect.map(allArtifacts({ teamId: team, status, now }, 2), (rows) => rows.map((row) => row.hash).sort())
      assert.deepStrictEqual(yield* hashes("failed", limit + 1), [record.hash, realFailed.hash].sort(), "failed filter, one stale")
      assert.deepStrictEqual(yield* hashes("registered", limit + 1), [fresh.hash], "registered filter, one stale")
      assert.deepStrictEqual(yield* hashes("failed", limit), [realFailed.hash], "failed filter, none stale")
      assert.deepStrictEqual(yield* hashes("registered", limit), [record.hash, fresh.hash].sort(), "registered filter, none stale")
      assert.deepStrictEqual(yield* hashes("failed", limit + 3), [record.hash, realFailed.hash, fresh.hash].sort(), "both stale")
      const listed = yield* allArtifacts({ teamId: team, now: limit + 1 })
      assert.strictEqual(listed.find((row) => row.hash === record.hash)?.status, "failed", "listed unfiltered, a stale one is failed")
      assert.strictEqual(listed.find((row) => row.hash === fresh.hash)?.status, "registered")
    }), testTimeout)

  it.effect("only artifact events with a team and a hash change records", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const hash = randomHash()
      yield* write(
        eventWrite(makeEvent("artifact.uploaded", team, t, { size: 10 })),
        eventWrite(makeEvent("artifact.upload_started", team, t, { size: 10 })),
        eventWrite(makeEvent("usage.hit", team, t, { hash, source: "REMOTE", duration_ms: 1 })),
        eventWrite(makeEvent("usage.miss", team, t, { hash, source: "REMOTE" })),
        eventWrite(makeEvent("auth.rejected", team, t, { hash, status: 403 }))
      )
      assert.deepStrictEqual(yield* allArtifacts({ teamId: team, now: t }), [], "no records")
      yield* expectUsage(team, 0, 0)
    }), testTimeout)

  it.effect("records are per team", () =>
    Effect.gen(function*() {
      const [a, b] = [randomTeamId(), randomTeamId()]
      const t = randomHour()
      const hash = randomHash()
      const only = randomHash()
      yield* write(
        artifactEvent("artifact.uploaded", a, hash, t, { size: 10 }),
        artifactEvent("artifact.uploaded", b, hash, t, { size: 20 }),
        artifactEvent("artifact.uploaded", a, only, t, { size: 30 })
      )
      yield* expectRecord(a, hash, t, { teamId: a, size: 10 })
      yield* expectRecord(b, hash, t, { teamId: b, size: 20 })
      yield* expectNoRecord(b, only, t, "another team's artifact")
      yield* write(artifactEvent("artifact.deleted", a, hash, t + 1))
      yield* expectNoRecord(a, hash, t + 1)
      yield* expectRecord(b, hash, t + 1, { size: 20 }, "a deletion in another team")
      yield* expectUsage(a, 30, 1)
      yield* expectUsage(b, 20, 1)
    }), testTimeout)
}
