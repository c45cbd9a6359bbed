import { describe, expect, it } from "vitest"
import { batchKey, batchKeyTime, decodeBatchBody, encodeBatchBody, eventId, isBatchKey } from "../../src/activity/batchFormat.ts"
import { Namespace } from "../../src/domain/Namespace.ts"
import { activityNamespace } from "../../src/index.ts"
import { Schema } from "effect"

describe("the storage activity format of Hoard 0.1 (imported into the cache index)", () => {
  it("the reserved namespace is a valid namespace", () => {
    expect(activityNamespace).toBe("_hoard-activity")
    expect(Schema.is(Namespace)(activityNamespace)).toBe(true)
  })

  it("keys are 12 hex digits of time and 16 random ones, ordered by time", () => {
    const t = Date.UTC(2025, 5, 1)
    const key = batchKey(t)
    expect(isBatchKey(key)).toBe(true)
    expect(key).toHaveLength(28)
    expect(batchKeyTime(key)).toBe(t)
    expect(batchKey(t) < batchKey(t + 1)).toBe(true)
    expect(batchKey(t)).not.toBe(batchKey(t))
    expect(batchKey(t, "0123456789abcdef")).toBe(t.toString(16).padStart(12, "0") + "0123456789abcdef")
    for (const bad of ["", key.toUpperCase(), key + "0", key.slice(1), `${key.slice(0, 27)}g`]) {
      expect(isBatchKey(bad), bad).toBe(false)
    }
  })

  it("bodies decode event by event: an invalid event skips only itself", () => {
    const events = [
      { event_type: "usage.hit" as const, created_at: 5, team_id: "t", data: { source: "REMOTE" as const } },
      { event_type: "artifact.missed" as const, created_at: 6, data: { hash: "ab" } }
    ]
    expect(decodeBatchBody(encodeBatchBody(3, events))).toEqual({ offset: 3, events, invalidEvents: 0 })
    const mixed = new TextEncoder().encode(JSON.stringify({
      format: "hoard-activity/1",
      offset: 0,
      events: [events[0], { event_type: "usage.new_kind", created_at: 1, data: {} }, { ...events[1], extra: 1 }]
    }))
    expect(decodeBatchBody(mixed)).toEqual({ offset: 0, events: [events[0], undefined, events[1]], invalidEvents: 1 })
    expect(typeof decodeBatchBody(new TextEncoder().encode("{"))).toBe("string")
    expect(typeof decodeBatchBody(new Uint8Array([0xff, 0xfe]))).toBe("string")
    expect(typeof decodeBatchBody(new TextEncoder().encode(JSON.stringify({ format: "other", offset: 0, events: [] })))).toBe("string")
    expect(typeof decodeBatchBody(encodeBatchBody(0x10000, [events[0]!]))).toBe("string")
  })
})
