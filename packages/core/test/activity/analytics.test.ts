import { describe, expect, it } from "vitest"
import { summarizeActivity } from "../../src/activity/analytics.ts"
import type { ActivityEvent, ActivityEventData, ActivityEventType } from "../../src/activity/ActivityEvent.ts"

let next = 0
const event = (event_type: ActivityEventType, data: ActivityEventData = {}): ActivityEvent => ({
  id: `e${next++}`,
  event_type,
  created_at: new Date(1_700_000_000_000 + next).toISOString(),
  team_id: "team_1",
  data
})

describe("summarizeActivity", () => {
  it("of no events is all zeros with no hit rates", () => {
    expect(summarizeActivity([])).toEqual({
      hits: { local: 0, remote: 0 },
      misses: { local: 0, remote: 0 },
      hit_rate: { local: null, remote: null },
      time_saved_ms: 0,
      uploads: 0,
      downloads: 0,
      bytes_uploaded: 0,
      bytes_downloaded: 0
    })
  })

  it("counts hits and misses per source, time saved by remote hits, and transfers", () => {
    const events = [
      event("usage.hit", { source: "REMOTE", duration_ms: 1500, hash: "aa" }),
      event("usage.hit", { source: "REMOTE", duration_ms: 250 }),
      event("usage.hit", { source: "REMOTE" }), // no duration: saves nothing known
      event("usage.hit", { source: "LOCAL", duration_ms: 9999 }), // local hits save no remote time
      event("usage.miss", { source: "REMOTE", duration_ms: 700 }),
      event("usage.miss", { source: "LOCAL" }),
      event("usage.miss", { source: "LOCAL" }),
      event("usage.miss", { source: "LOCAL" }),
      event("usage.hit", {}), // no source: counted nowhere
      event("artifact.uploaded", { size: 1000, hash: "aa" }),
      event("artifact.uploaded", { size: 24 }),
      event("artifact.uploaded", {}), // size unknown
      event("artifact.downloaded", { size: 1000 }),
      event("artifact.upload_started", { size: 5000 }),
      event("artifact.upload_failed", { size: 5000 }),
      event("artifact.missed", {}),
      event("auth.rejected", { status: 401 })
    ]
    expect(summarizeActivity(events)).toEqual({
      hits: { local: 1, remote: 3 },
      misses: { local: 3, remote: 1 },
      hit_rate: { local: 0.25, remote: 0.75 },
      time_saved_ms: 1750,
      uploads: 3,
      downloads: 1,
      bytes_uploaded: 1024,
      bytes_downloaded: 1000
    })
  })

  it("gives a hit rate of 0 with only misses and 1 with only hits", () => {
    const summary = summarizeActivity([
      event("usage.miss", { source: "REMOTE" }),
      event("usage.miss", { source: "REMOTE" }),
      event("usage.hit", { source: "LOCAL" })
    ])
    expect(summary.hit_rate).toEqual({ local: 1, remote: 0 })
  })

  it("accepts any iterable, read once", () => {
    function* generate() {
      for (let i = 0; i < 10; i++) yield event("usage.hit", { source: "REMOTE", duration_ms: 10 })
      yield event("usage.miss", { source: "REMOTE" })
    }
    const summary = summarizeActivity(generate())
    expect(summary.hits.remote).toBe(10)
    expect(summary.time_saved_ms).toBe(100)
    expect(summary.hit_rate.remote).toBeCloseTo(10 / 11, 12)
  })
})
