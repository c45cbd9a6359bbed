import { describe, expect, it } from "vitest"
import {
  batchKey,
  batchKeyTime,
  decodeBatchBody,
  decodeCursor,
  encodeBatchBody,
  encodeCursor,
  eventId,
  formatTag,
  isBatchKey,
  listPrefixFrom,
  parseEventId,
  parseTag
} from "../../src/activity/batchFormat.ts"
import { Namespace } from "../../src/domain/Namespace.ts"
import { activityNamespace } from "../../src/index.ts"
import { Schema } from "effect"

describe("activity batch format", () => {
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

  it("ids name a key and an index, and nothing else parses", () => {
    const key = batchKey(1_700_000_000_000, "00112233445566ff")
    expect(eventId(key, 42)).toBe(`${key}-002a`)
    expect(parseEventId(eventId(key, 0xffff))).toEqual({ key, index: 0xffff })
    expect(eventId(key, 9) < eventId(key, 10)).toBe(true)
    for (const bad of ["", key, `${key}-2a`, `${key}-0002a`, `${key}-002A`, `../${key}-002a`, `${key}-002a\n`]) {
      expect(parseEventId(bad), bad).toBeUndefined()
    }
  })

  it("cursors round-trip and refuse anything else", () => {
    const position = { createdAt: 1_700_000_000_123, id: eventId(batchKey(1_700_000_000_200), 3) }
    const cursor = encodeCursor(position)
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/u)
    expect(decodeCursor(cursor)).toEqual(position)
    expect(decodeCursor(encodeCursor({ createdAt: 0, id: position.id }))).toEqual({ createdAt: 0, id: position.id })
    const b64 = (text: string) => Buffer.from(text).toString("base64url")
    for (const bad of ["", "=", cursor + "=", "a b", b64(`01:${position.id}`), b64(`-1:${position.id}`), b64(`1:${position.id}x`), b64("1:abc")]) {
      expect(decodeCursor(bad), bad).toBeUndefined()
    }
  })

  it("tags carry the batch's time range", () => {
    const tag = formatTag({ count: 3, min: 10, max: 20 })
    expect(tag).toBe("hoard-activity/1 n=3 min=10 max=20")
    expect(parseTag(tag)).toEqual({ count: 3, min: 10, max: 20 })
    expect(parseTag(undefined)).toBeUndefined()
    expect(parseTag("hoard-activity/1 n=3 min=30 max=20")).toBeUndefined()
    expect(parseTag("something else")).toBeUndefined()
  })

  it("the listing prefix covers every key from `from` to the latest possible key", () => {
    expect(listPrefixFrom(undefined, 1000)).toBe("")
    expect(listPrefixFrom(0, 1000)).toBe("")
    expect(listPrefixFrom(0x0190_0000_0000, 0x0190_00ff_ffff)).toBe("019000")
    expect(listPrefixFrom(0x0190_1234_5678, 0x0190_1234_5678)).toBe("019012345678")
    expect(listPrefixFrom(0x0190_0000_0000, 0x0191_0000_0000)).toBe("019")
    const from = Date.UTC(2025, 0, 1)
    const latest = Date.UTC(2025, 0, 9)
    const prefix = listPrefixFrom(from, latest)
    for (const t of [from, latest, (from + latest) / 2]) expect(batchKey(t).startsWith(prefix)).toBe(true)
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
