/**
 * Focused tests of the SQL cache index, run on SQLite and PostgreSQL alike.
 * Each test gets a fresh, empty index from `makeLayer`.
 */
import { it } from "@effect/vitest"
import { CacheIndex, rollupHourMs, staleUploadMs } from "@hoard/core"
import type { ActivityEventData, ActivityEventType, IndexedArtifact, IndexWrite } from "@hoard/core"
import { Effect, Option } from "effect"
import type { Layer } from "effect"
import { describe, expect } from "vitest"

let sequence = 0
const eventId = (createdAt: number) => `${createdAt.toString(16).padStart(12, "0")}${(sequence++).toString(16).padStart(8, "0")}`

export const event = (
  type: ActivityEventType,
  createdAt: number,
  data: ActivityEventData = {},
  options: { readonly team?: string | null; readonly store?: boolean; readonly id?: string } = {}
): IndexWrite.Event => ({
  _tag: "Event",
  store: options.store ?? true,
  event: {
    id: options.id ?? eventId(createdAt),
    event_type: type,
    created_at: createdAt,
    ...(options.team === null ? {} : { team_id: options.team ?? "t" }),
    data
  }
})

const H = rollupHourMs
/** A fixed clock far from the epoch, on an hour boundary. */
const T = 1_800_000_000 * 1000 - ((1_800_000_000 * 1000) % H)

const record = (teamId: string, hash: string, now = T) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    return Option.getOrUndefined(yield* index.getArtifact(teamId, hash, now))
  })

const allArtifacts = (teamId: string, now = T) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    const all: Array<IndexedArtifact> = []
    let cursor: string | undefined
    do {
      const page = yield* index.listArtifacts({ teamId, limit: 7, now, ...(cursor === undefined ? {} : { cursor }) })
      all.push(...page.artifacts)
      cursor = page.nextCursor
    } while (cursor !== undefined)
    return all
  })

/** Usage must equal a recount of the records. */
const expectUsageMatchesRecords = (teamId: string) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    const records = (yield* allArtifacts(teamId)).filter((r) => r.status === "success")
    expect(yield* index.usage(teamId)).toEqual({
      bytes: records.reduce((sum, r) => sum + (r.size ?? 0), 0),
      count: records.length
    })
  })

export const sqlIndexSuite = (name: string, makeLayer: () => Layer.Layer<CacheIndex, unknown>) =>
  describe(`${name} (focused)`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, CacheIndex>) =>
      it.live(title, () => Effect.provide(body, makeLayer()))

    test("an upload's life: registered, success, downloaded; usage follows", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([event("artifact.upload_started", T, { hash: "h", size: 10, token_name: "ci" })])
      expect(yield* record("t", "h")).toMatchObject({ status: "registered", size: 10, registeredAt: T, updatedAt: T })
      expect(yield* index.usage("t")).toEqual({ bytes: 0, count: 0 })
      yield* index.write([
        event("artifact.uploaded", T + 5, {
          hash: "h",
          size: 12,
          sha: "abc",
          dirty_hash: "d",
          has_tag: true,
          client_ci: "github",
          token_name: "ci",
          duration_ms: 1500
        }),
        event("artifact.downloaded", T + 9, { hash: "h", size: 12 }),
        event("artifact.downloaded", T + 7, { hash: "h", size: 12 })
      ])
      expect(yield* record("t", "h")).toEqual({
        teamId: "t",
        hash: "h",
        status: "success",
        size: 12,
        registeredAt: T,
        updatedAt: T + 5,
        obtainedAt: T + 9,
        durationMs: 1500,
        sha: "abc",
        dirtyHash: "d",
        hasTag: true,
        clientCi: "github",
        uploader: "ci",
        hitCount: 2
      })
      expect(yield* index.usage("t")).toEqual({ bytes: 12, count: 1 })
    }))

    test("an older event never undoes a newer one; downloads count whatever their time", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([event("artifact.uploaded", T + 100, { hash: "h", size: 5 })])
      yield* index.write([
        event("artifact.upload_failed", T + 50, { hash: "h" }),
        event("artifact.upload_started", T + 60, { hash: "h", size: 99 }),
        event("artifact.missed", T + 70, { hash: "h" }),
        event("artifact.deleted", T + 80, { hash: "h" }),
        event("artifact.downloaded", T + 10, { hash: "h" })
      ])
      expect(yield* record("t", "h")).toMatchObject({ status: "success", size: 5, updatedAt: T + 100, hitCount: 1, obtainedAt: T + 10 })
      // newer: success → missing (storage lost it), then upload_started → registered
      yield* index.write([event("artifact.missed", T + 200, { hash: "h" })])
      expect(yield* record("t", "h")).toMatchObject({ status: "missing", updatedAt: T + 200 })
      expect(yield* index.usage("t")).toEqual({ bytes: 0, count: 0 })
      yield* index.write([event("artifact.upload_started", T + 300, { hash: "h", size: 7 })])
      expect(yield* record("t", "h")).toMatchObject({ status: "registered", size: 7, updatedAt: T + 300, registeredAt: T + 100 })
      yield* index.write([event("artifact.upload_failed", T + 301, { hash: "h" })])
      expect(yield* record("t", "h")).toMatchObject({ status: "failed", updatedAt: T + 301 })
    }))

    test("events on absent records: downloaded does nothing, missed and upload_failed create", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([
        event("artifact.downloaded", T, { hash: "a" }),
        event("artifact.missed", T, { hash: "b" }),
        event("artifact.upload_failed", T, { hash: "c", size: 3 }),
        event("artifact.deleted", T, { hash: "d" }),
        event("artifact.uploaded", T, { hash: "e", size: 1 }, { team: null }) // no team: no record
      ])
      expect(yield* record("t", "a")).toBeUndefined()
      expect(yield* record("t", "b")).toMatchObject({ status: "missing", registeredAt: T, hitCount: 0 })
      expect(yield* record("t", "c")).toMatchObject({ status: "failed", size: 3 })
      expect(yield* record("t", "d")).toBeUndefined()
      expect(yield* index.teams).toEqual(["t"])
    }))

    test("deleted removes the record and its usage", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([
        event("artifact.uploaded", T, { hash: "a", size: 10 }),
        event("artifact.uploaded", T, { hash: "b", size: 20 }),
        event("artifact.deleted", T + 1, { hash: "a" })
      ])
      expect(yield* record("t", "a")).toBeUndefined()
      expect(yield* index.usage("t")).toEqual({ bytes: 20, count: 1 })
      // a new upload after the deletion starts a new record
      yield* index.write([event("artifact.upload_started", T + 2, { hash: "a", size: 4 })])
      expect(yield* record("t", "a")).toMatchObject({ status: "registered", registeredAt: T + 2, hitCount: 0 })
    }))

    test("a registered record older than staleUploadMs reads as failed", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([
        event("artifact.upload_started", T, { hash: "old" }),
        event("artifact.upload_started", T + staleUploadMs, { hash: "new" }),
        event("artifact.upload_failed", T + 10, { hash: "failed" })
      ])
      const now = T + staleUploadMs + 1
      expect(yield* record("t", "old", now)).toMatchObject({ status: "failed" })
      expect(yield* record("t", "new", now)).toMatchObject({ status: "registered" })
      const hashes = (page: { readonly artifacts: ReadonlyArray<IndexedArtifact> }) =>
        page.artifacts.map((a) => `${a.hash}:${a.status}`)
      expect(hashes(yield* index.listArtifacts({ teamId: "t", status: "failed", limit: 10, now }))).toEqual([
        "failed:failed",
        "old:failed"
      ])
      expect(hashes(yield* index.listArtifacts({ teamId: "t", status: "registered", limit: 10, now }))).toEqual([
        "new:registered"
      ])
    }))

    test("an event id already stored changes nothing (a retried batch, a duplicate)", Effect.gen(function*() {
      const index = yield* CacheIndex
      const batch = [
        event("artifact.uploaded", T, { hash: "h", size: 10 }),
        event("artifact.downloaded", T + 1, { hash: "h", size: 10 }),
        event("usage.hit", T + 2, { source: "REMOTE", duration_ms: 100 })
      ]
      yield* index.write(batch)
      yield* index.write(batch)
      yield* index.write([batch[1]!, batch[1]!])
      expect(yield* record("t", "h")).toMatchObject({ hitCount: 1 })
      const totals = yield* index.analytics("t", T, T + H)
      expect(totals).toMatchObject({ uploads: 1, downloads: 1, bytes_downloaded: 10, time_saved_ms: 100, hits: { local: 0, remote: 1 } })
      expect((yield* index.listEvents({ teamId: "t", limit: 100 })).events).toHaveLength(3)
      // one new id in a batch of known ones is applied
      yield* index.write([...batch, event("artifact.downloaded", T + 3, { hash: "h" })])
      expect(yield* record("t", "h")).toMatchObject({ hitCount: 2 })
    }))

    test("unstored events are counted, not stored", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([
        event("auth.rejected", T, { status: 401 }, { team: null, store: false }),
        event("auth.rejected", T + 1, { status: 403 }, { store: false })
      ])
      expect((yield* index.analytics("", T, T + H)).rejected).toBe(1)
      expect((yield* index.analytics("t", T, T + H)).rejected).toBe(1)
      expect((yield* index.listEvents({ teamId: "", limit: 10 })).events).toEqual([])
      expect((yield* index.listEvents({ teamId: "t", limit: 10 })).events).toEqual([])
    }))

    test("rollups: every counter, by team and hour, over a window", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([
        event("usage.hit", T + 1, { source: "LOCAL", duration_ms: 50 }),
        event("usage.hit", T + 2, { source: "REMOTE", duration_ms: 1000 }),
        event("usage.hit", T + 3, {}),
        event("usage.miss", T + 4, { source: "LOCAL" }),
        event("usage.miss", T + 5, { source: "REMOTE" }),
        event("artifact.uploaded", T + 6, { hash: "a", size: 100 }),
        event("artifact.downloaded", T + 7, { hash: "a", size: 100 }),
        event("artifact.downloaded", T + H + 1, { hash: "a", size: 100 }),
        event("auth.rejected", T + 8, {}),
        event("usage.hit", T + 9, { source: "REMOTE", duration_ms: 7 }, { team: "other" })
      ])
      expect(yield* index.analytics("t", T + 30 * 60_000, T + H)).toEqual({
        hits: { local: 1, remote: 1 },
        misses: { local: 1, remote: 1 },
        time_saved_ms: 1000,
        uploads: 1,
        bytes_uploaded: 100,
        downloads: 1,
        bytes_downloaded: 100,
        rejected: 1
      })
      expect((yield* index.analytics("t", T, T + 2 * H)).downloads).toBe(2)
      expect((yield* index.analytics("t", T + H, T + 2 * H)).downloads).toBe(1)
      expect((yield* index.analytics("t", T, T)).downloads).toBe(0)
      expect((yield* index.analytics("other", T, T + H)).time_saved_ms).toBe(7)
    }))

    test("a batch applies all or nothing", Effect.gen(function*() {
      const index = yield* CacheIndex
      const failed = yield* index.write([
        event("artifact.uploaded", T, { hash: "a", size: 1 }),
        event("usage.hit", Number.NaN, { source: "LOCAL" }, { id: "bad" })
      ]).pipe(Effect.flip)
      expect(failed._tag).toBe("IndexError")
      expect(failed.operation).toBe("write")
      expect(yield* record("t", "a")).toBeUndefined()
      expect(yield* index.usage("t")).toEqual({ bytes: 0, count: 0 })
      expect((yield* index.listEvents({ teamId: "t", limit: 10 })).events).toEqual([])
    }))

    test("artifact pages neither repeat nor skip rows while newer rows arrive", Effect.gen(function*() {
      const index = yield* CacheIndex
      // 25 records, several sharing an updated_at (ties are broken by hash)
      yield* index.write(
        Array.from({ length: 25 }, (_, i) => event("artifact.uploaded", T + Math.floor(i / 3), { hash: `h${String(i).padStart(2, "0")}`, size: i }))
      )
      const seen: Array<string> = []
      let cursor: string | undefined
      let round = 0
      do {
        const page = yield* index.listArtifacts({ teamId: "t", limit: 4, now: T, ...(cursor === undefined ? {} : { cursor }) })
        seen.push(...page.artifacts.map((a) => a.hash))
        cursor = page.nextCursor
        yield* index.write([event("artifact.uploaded", T + 1000 + round++, { hash: `new${round}`, size: 1 })])
      } while (cursor !== undefined)
      expect(seen).toHaveLength(25)
      expect(new Set(seen).size).toBe(25)
      expect(seen.slice(0, 4)).toEqual(["h24", "h21", "h22", "h23"])
    }))

    test("artifact filters: status, sha, updated_at window", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([
        event("artifact.uploaded", T, { hash: "a", size: 1, sha: "s1" }),
        event("artifact.uploaded", T + 10, { hash: "b", size: 1, sha: "s2" }),
        event("artifact.uploaded", T + 20, { hash: "c", size: 1, sha: "s1" }),
        event("artifact.missed", T + 30, { hash: "d" })
      ])
      const list = (query: Partial<Parameters<typeof index.listArtifacts>[0]>) =>
        Effect.map(index.listArtifacts({ teamId: "t", limit: 10, now: T, ...query }), (page) => page.artifacts.map((a) => a.hash))
      expect(yield* list({ sha: "s1" })).toEqual(["c", "a"])
      expect(yield* list({ status: "success" })).toEqual(["c", "b", "a"])
      expect(yield* list({ status: "missing" })).toEqual(["d"])
      expect(yield* list({ from: T + 10, to: T + 30 })).toEqual(["c", "b"])
      expect(yield* list({ teamId: "nobody" })).toEqual([])
    }))

    test("cursors from elsewhere fail with InvalidCursor", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([event("usage.hit", T, { source: "LOCAL" }), event("usage.hit", T + 1, { source: "LOCAL" })])
      const events = yield* index.listEvents({ teamId: "t", limit: 1 })
      expect(events.nextCursor).toBeDefined()
      for (const cursor of ["garbage", "", "eyJ4IjoxfQ", events.nextCursor!]) {
        const error = yield* index.listArtifacts({ teamId: "t", limit: 1, now: T, cursor }).pipe(Effect.flip)
        expect(error._tag).toBe("InvalidCursor")
      }
      const error = yield* index.listEvents({ teamId: "t", limit: 1, cursor: "!!" }).pipe(Effect.flip)
      expect(error._tag).toBe("InvalidCursor")
    }))

    test("events: newest first, by type and window, paged", Effect.gen(function*() {
      const index = yield* CacheIndex
      const writes = [
        event("usage.hit", T, { source: "LOCAL", session_id: "s" }, { id: "e1" }),
        event("usage.miss", T, { source: "LOCAL" }, { id: "e2" }),
        event("artifact.uploaded", T + 5, { hash: "a", size: 3 }, { id: "e3" }),
        event("usage.hit", T + 9, { source: "REMOTE" }, { id: "e4" }),
        event("usage.hit", T + 9, { source: "REMOTE" }, { id: "e5", team: "other" }),
        event("auth.rejected", T + 10, {}, { id: "e6", team: null })
      ]
      yield* index.write(writes)
      const ids = (page: { readonly events: ReadonlyArray<{ readonly id: string }> }) => page.events.map((e) => e.id)
      expect(ids(yield* index.listEvents({ teamId: "t", limit: 10 }))).toEqual(["e4", "e3", "e2", "e1"])
      expect(ids(yield* index.listEvents({ teamId: "t", types: ["usage.hit", "usage.miss"], limit: 10 }))).toEqual(["e4", "e2", "e1"])
      expect(ids(yield* index.listEvents({ teamId: "t", from: T + 1, to: T + 9, limit: 10 }))).toEqual(["e3"])
      const first = yield* index.listEvents({ teamId: "t", limit: 3 })
      const second = yield* index.listEvents({ teamId: "t", limit: 3, cursor: first.nextCursor! })
      expect([...ids(first), ...ids(second)]).toEqual(["e4", "e3", "e2", "e1"])
      expect(second.nextCursor).toBeUndefined()
      expect(yield* index.getEvent("t", "e1")).toEqual(Option.some({
        id: "e1",
        event_type: "usage.hit",
        created_at: new Date(T).toISOString(),
        team_id: "t",
        data: { source: "LOCAL", session_id: "s" }
      }))
      expect(yield* index.getEvent("other", "e1")).toEqual(Option.none())
      const teamless = Option.getOrThrow(yield* index.getEvent("", "e6"))
      expect(teamless.team_id).toBeUndefined()
    }))

    test("reconciliation: Stored and Gone", Effect.gen(function*() {
      const index = yield* CacheIndex
      const info = (size: number, createdAt: number) => ({ size, createdAt, metadata: { durationMs: 42, sha: "s", tag: "sig" } })
      yield* index.write([{ _tag: "Stored", teamId: "t", hash: "a", info: info(10, T) }])
      expect(yield* record("t", "a")).toMatchObject({
        status: "success",
        size: 10,
        registeredAt: T,
        updatedAt: T,
        durationMs: 42,
        sha: "s",
        hasTag: true
      })
      expect(yield* index.usage("t")).toEqual({ bytes: 10, count: 1 })
      // a newer success with that size is left alone
      yield* index.write([event("artifact.uploaded", T + 50, { hash: "a", size: 10, sha: "newer" })])
      yield* index.write([{ _tag: "Stored", teamId: "t", hash: "a", info: info(10, T) }])
      expect(yield* record("t", "a")).toMatchObject({ sha: "newer", updatedAt: T + 50 })
      // a missing record whose object storage holds is success again
      yield* index.write([event("artifact.missed", T + 60, { hash: "a" })])
      yield* index.write([{ _tag: "Stored", teamId: "t", hash: "a", info: info(11, T + 55) }])
      expect(yield* record("t", "a")).toMatchObject({ status: "success", size: 11 })
      expect(yield* index.usage("t")).toEqual({ bytes: 11, count: 1 })
      // Gone: only success records updated before the walk started
      yield* index.write([{ _tag: "Gone", teamId: "t", hash: "a", at: T }])
      expect(yield* record("t", "a")).toMatchObject({ status: "success" })
      yield* index.write([{ _tag: "Gone", teamId: "t", hash: "a", at: T + 1000 }, { _tag: "Gone", teamId: "t", hash: "zz", at: T }])
      expect(yield* record("t", "a")).toMatchObject({ status: "missing" })
      expect(yield* record("t", "zz")).toBeUndefined()
      expect(yield* index.usage("t")).toEqual({ bytes: 0, count: 0 })
    }))

    test("teams and successHashes page the success records in hash order", Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([
        ...["c", "a", "e", "b", "d"].map((hash) => event("artifact.uploaded", T, { hash, size: 1 })),
        event("artifact.missed", T, { hash: "aa" }),
        event("artifact.missed", T, { hash: "x" }, { team: "u" })
      ])
      expect(yield* index.teams).toEqual(["t", "u"])
      expect(yield* index.successHashes("t", undefined, 2)).toEqual(["a", "b"])
      expect(yield* index.successHashes("t", "b", 2)).toEqual(["c", "d"])
      expect(yield* index.successHashes("t", "d", 2)).toEqual(["e"])
      expect(yield* index.successHashes("u", undefined, 2)).toEqual([])
    }))

    test("a removal is remembered against stale listings for an hour after the newest, then forgotten", Effect.gen(function*() {
      const index = yield* CacheIndex
      const stored = (hash: string, createdAt: number): IndexWrite.Stored => ({
        _tag: "Stored",
        teamId: "t",
        hash,
        info: { size: 5, createdAt, metadata: { durationMs: 0 } }
      })
      const removed = (hash: string, at: number): IndexWrite.Removed => ({ _tag: "Removed", teamId: "t", hash, at, reason: "purged" })
      yield* index.write([removed("old", T), removed("recent", T + H - 1)])
      yield* index.write([stored("old", T), stored("recent", T)])
      expect(yield* index.usage("t")).toEqual({ bytes: 0, count: 0 })
      // A removal an hour and more after `old`'s: the index forgets `old`'s, keeps `recent`'s.
      yield* index.write([removed("other", T + H + 1)])
      yield* index.write([stored("old", T), stored("recent", T)])
      expect(yield* record("t", "old")).toMatchObject({ status: "success", size: 5 })
      expect(yield* record("t", "recent")).toBeUndefined()
    }))

    test("meta", Effect.gen(function*() {
      const index = yield* CacheIndex
      expect(yield* index.getMeta("k")).toEqual(Option.none())
      yield* index.setMeta("k", "1")
      yield* index.setMeta("k", "2")
      expect(yield* index.getMeta("k")).toEqual(Option.some("2"))
      yield* index.check
    }))

    test("a batch larger than one statement's bind parameters", Effect.gen(function*() {
      const index = yield* CacheIndex
      const n = 6_000
      yield* index.write(Array.from({ length: n }, (_, i) => event("artifact.uploaded", T + i, { hash: `h${i}`, size: 2 })))
      expect(yield* index.usage("t")).toEqual({ bytes: 2 * n, count: n })
      expect((yield* index.analytics("t", T, T + H)).uploads).toBe(n)
      yield* index.write(Array.from({ length: n }, (_, i) => event("artifact.deleted", T + n + i, { hash: `h${i}` })))
      expect(yield* index.usage("t")).toEqual({ bytes: 0, count: 0 })
    }))

    test("usage equals a recount of the records after a mixed workload", Effect.gen(function*() {
      const index = yield* CacheIndex
      const types: ReadonlyArray<ActivityEventType> = [
        "artifact.upload_started",
        "artifact.uploaded",
        "artifact.upload_failed",
        "artifact.downloaded",
        "artifact.missed",
        "artifact.deleted"
      ]
      let seed = 7
      const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
      for (let b = 0; b < 10; b++) {
        const batch: Array<IndexWrite> = Array.from({ length: 200 }, () => {
          const hash = `h${random(40)}`
          if (random(10) === 0) {
            return random(2) === 0
              ? { _tag: "Stored", teamId: "t", hash, info: { size: random(1000), createdAt: T + random(5000), metadata: { durationMs: 1 } } }
              : { _tag: "Gone", teamId: "t", hash, at: T + random(5000) }
          }
          return event(types[random(types.length)]!, T + random(5000), { hash, size: random(1000) })
        })
        yield* index.write(batch)
      }
      yield* expectUsageMatchesRecords("t")
      for (const record of yield* allArtifacts("t")) {
        expect(typeof record.updatedAt).toBe("number")
        expect(typeof record.hitCount).toBe("number")
      }
    }))
  })
