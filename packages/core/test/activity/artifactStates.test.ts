import { describe, expect, it } from "vitest"
import { artifactRecords, staleUploadMs } from "../../src/activity/artifactStates.ts"
import type { ActivityEvent, ActivityEventData, ActivityEventType } from "../../src/activity/ActivityEvent.ts"
import type { ArtifactHash } from "../../src/domain/ArtifactHash.ts"
import type { Namespace } from "../../src/domain/Namespace.ts"
import type { ListedArtifact } from "../../src/storage/ArtifactStorage.ts"

const t0 = Date.UTC(2025, 0, 1, 12, 0, 0)
const minute = 60_000
const at = (minutes: number): number => t0 + minutes * minute
const iso = (minutes: number): string => new Date(at(minutes)).toISOString()

let next = 0
const event = (minutes: number, event_type: ActivityEventType, data: ActivityEventData): ActivityEvent => ({
  id: `0000000000000000000000000000-${(next++).toString(16).padStart(4, "0")}`,
  event_type,
  created_at: iso(minutes),
  team_id: "team_1",
  data
})

const stored = (hash: string, minutes: number, size: number, sha?: string): ListedArtifact => ({
  key: { namespace: "team_1" as Namespace, hash: hash as ArtifactHash },
  info: { size, createdAt: at(minutes), metadata: { durationMs: 10, ...(sha === undefined ? {} : { sha }) } }
})

describe("artifactRecords", () => {
  it("a stored artifact is a success with storage's size, sha and date", () => {
    const records = artifactRecords(
      [stored("aa", 5, 2048, "abc123")],
      [
        event(3, "artifact.missed", { hash: "aa" }),
        event(4, "artifact.upload_started", { hash: "aa", size: 2048, sha: "from-event" }),
        event(5, "artifact.uploaded", { hash: "aa", size: 2048 }),
        event(7, "artifact.downloaded", { hash: "aa", size: 2048 }),
        event(9, "artifact.downloaded", { hash: "aa", size: 2048 }),
        event(8, "artifact.missed", { hash: "aa" })
      ],
      at(10)
    )
    expect(records).toEqual([{
      hash: "aa",
      size: 2048,
      status: "success",
      sha: "abc123",
      dates: { registered_at: iso(3), updated_at: iso(5), obtained_at: iso(9) }
    }])
  })

  it("a stored artifact without events: registered when stored, never obtained, no sha", () => {
    expect(artifactRecords([stored("bb", 1, 10)], [], at(2))).toEqual([{
      hash: "bb",
      size: 10,
      status: "success",
      sha: null,
      dates: { registered_at: iso(1), updated_at: iso(1), obtained_at: null }
    }])
  })

  it("a stored artifact whose events all came after it was stored keeps createdAt as registered_at", () => {
    const [record] = artifactRecords([stored("cc", 0, 1)], [event(30, "artifact.downloaded", { hash: "cc" })], at(31))
    expect(record?.dates).toEqual({ registered_at: iso(0), updated_at: iso(0), obtained_at: iso(30) })
  })

  it("an upload in progress is registered, and failed once older than an hour", () => {
    const events = [event(0, "artifact.upload_started", { hash: "dd", size: 500, sha: "s1" })]
    const fresh = artifactRecords([], events, at(0) + staleUploadMs)
    expect(fresh).toEqual([{
      hash: "dd",
      size: 500,
      status: "registered",
      sha: "s1",
      dates: { registered_at: iso(0), updated_at: iso(0), obtained_at: null }
    }])
    expect(artifactRecords([], events, at(0) + staleUploadMs + 1)[0]?.status).toBe("failed")
  })

  it("the latest upload event decides for an artifact that is not stored", () => {
    const records = artifactRecords([], [
      // ee: failed, then retried and still in progress
      event(0, "artifact.upload_started", { hash: "ee", size: 100 }),
      event(1, "artifact.upload_failed", { hash: "ee", reason: "aborted" }),
      event(2, "artifact.upload_started", { hash: "ee", size: 120 }),
      // ff: started, then failed
      event(0, "artifact.upload_started", { hash: "ff", size: 7, sha: "s2" }),
      event(3, "artifact.upload_failed", { hash: "ff", reason: "too large" }),
      event(4, "artifact.missed", { hash: "ff" }),
      // 11: uploaded, but storage no longer has it
      event(5, "artifact.upload_started", { hash: "11", size: 9 }),
      event(6, "artifact.uploaded", { hash: "11", size: 9 }),
      event(7, "artifact.downloaded", { hash: "11", size: 9 })
    ], at(10))
    expect(records).toEqual([
      {
        hash: "11",
        size: 9,
        status: "missing",
        sha: null,
        dates: { registered_at: iso(5), updated_at: iso(7), obtained_at: iso(7) }
      },
      {
        hash: "ff",
        size: 7,
        status: "failed",
        sha: "s2",
        dates: { registered_at: iso(0), updated_at: iso(4), obtained_at: null }
      },
      {
        hash: "ee",
        size: 120,
        status: "registered",
        sha: null,
        dates: { registered_at: iso(0), updated_at: iso(2), obtained_at: null }
      }
    ])
  })

  it("only misses make an artifact missing; other events alone show nothing", () => {
    const records = artifactRecords([], [
      event(1, "artifact.missed", { hash: "a1" }),
      event(2, "artifact.missed", { hash: "a1" }),
      event(3, "artifact.downloaded", { hash: "a2" }),
      event(4, "usage.hit", { hash: "a3", source: "REMOTE" }),
      event(5, "usage.miss", { hash: "a3", source: "REMOTE" }),
      event(6, "artifact.missed", {}) // no hash
    ], at(10))
    expect(records).toEqual([{
      hash: "a1",
      size: null,
      status: "missing",
      sha: null,
      dates: { registered_at: iso(1), updated_at: iso(2), obtained_at: null }
    }])
  })

  it("a deletion ends an artifact's life: omitted when nothing follows, a new life otherwise", () => {
    const records = artifactRecords([stored("b2", 20, 64, "new")], [
      // b1: deleted, nothing after
      event(0, "artifact.upload_started", { hash: "b1", size: 1 }),
      event(1, "artifact.uploaded", { hash: "b1", size: 1 }),
      event(2, "artifact.downloaded", { hash: "b1" }),
      event(3, "artifact.deleted", { hash: "b1" }),
      // b2: deleted, then uploaded again (stored at minute 20)
      event(0, "artifact.uploaded", { hash: "b2", size: 32 }),
      event(1, "artifact.downloaded", { hash: "b2" }),
      event(10, "artifact.deleted", { hash: "b2" }),
      event(19, "artifact.upload_started", { hash: "b2", size: 64 }),
      event(20, "artifact.uploaded", { hash: "b2", size: 64 }),
      // b3: deleted, then missed
      event(0, "artifact.uploaded", { hash: "b3", size: 5 }),
      event(4, "artifact.deleted", { hash: "b3" }),
      event(6, "artifact.missed", { hash: "b3" })
    ], at(30))
    expect(records).toEqual([
      {
        hash: "b2",
        size: 64,
        status: "success",
        sha: "new",
        dates: { registered_at: iso(19), updated_at: iso(20), obtained_at: null }
      },
      {
        hash: "b3",
        size: null,
        status: "missing",
        sha: null,
        dates: { registered_at: iso(6), updated_at: iso(6), obtained_at: null }
      }
    ])
  })

  it("a stored artifact stays a success even when a deletion was recorded after it was stored", () => {
    const records = artifactRecords([stored("c1", 5, 3)], [
      event(4, "artifact.upload_started", { hash: "c1" }),
      event(6, "artifact.deleted", { hash: "c1" })
    ], at(7))
    expect(records.map((record) => [record.status, record.dates.registered_at])).toEqual([["success", iso(4)]])
  })

  it("orders by updated_at, newest first, then by hash", () => {
    const records = artifactRecords(
      [stored("z9", 1, 1), stored("a0", 1, 1), stored("m5", 3, 1)],
      [event(2, "artifact.missed", { hash: "q7" })],
      at(4)
    )
    expect(records.map((record) => record.hash)).toEqual(["m5", "q7", "a0", "z9"])
  })
})
