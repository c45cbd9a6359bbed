import { it } from "@effect/vitest"
import { CacheIndex, IndexError, IndexWriter, WriteMayYield } from "@hoard/core"
import type { NewActivityEvent } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { allEvents, eventWrite, makeEvent, randomTeamId } from "@hoard/index-testkit"
import { Effect, Fiber, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect } from "vitest"

const dir = mkdtempSync(join(tmpdir(), "hoard-index-writer-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const freshFile = () => join(dir, `index-${files++}.db`)

const hits = (teamId: string, count: number, from = Date.now()): Array<NewActivityEvent> =>
  Array.from({ length: count }, (_, i) => ({
    event_type: "usage.hit",
    created_at: from + i,
    team_id: teamId,
    data: { hash: i.toString(16).padStart(16, "0"), source: "REMOTE", duration_ms: 1 }
  }))

/** A real SQLite index that refuses every write while `state.down`, and counts the batches it applied. */
const switchable = (filename: string, state: { down: boolean; batches: Array<number> }) =>
  Layer.effect(CacheIndex, Effect.gen(function*() {
    const inner = yield* CacheIndex
    return CacheIndex.of({
      ...inner,
      write: (batch) =>
        Effect.suspend(() => {
          if (state.down) return Effect.fail(new IndexError({ operation: "write", message: "database is down (simulated)" }))
          state.batches.push(batch.length)
          return inner.write(batch)
        })
    })
  })).pipe(Layer.provideMerge(SqliteIndex.layer({ filename })))

const countEvents = (teamId: string) =>
  Effect.map(allEvents({ teamId }, 500), (events) => events.length)

describe("IndexWriter over SQLite", () => {
  it.live("never blocks the caller; flush waits until everything queued is applied, in batches of at most maxBatch", () =>
    Effect.gen(function*() {
      const state = { down: false, batches: [] as Array<number> }
      const teamId = randomTeamId()
      yield* Effect.gen(function*() {
        const writer = yield* IndexWriter.IndexWriter
        // A flush right after a write cuts the batch window short (and never hangs).
        yield* writer.record(hits(teamId, 1))
        yield* writer.flush.pipe(Effect.timeout("5 seconds"))
        expect(yield* countEvents(teamId)).toBe(1)
        state.batches.length = 0
        for (let i = 0; i < 10; i++) yield* writer.record(hits(teamId, 500, i * 1000))
        yield* writer.flush
        expect(yield* countEvents(teamId)).toBe(5001)
        expect((yield* writer.status).queued).toBe(0)
        expect(Math.max(...state.batches)).toBeLessThanOrEqual(1000)
        // Queued while a batch commits, the rest went in together: fewer transactions than record calls.
        expect(state.batches.reduce((a, b) => a + b, 0)).toBe(5000)
      }).pipe(Effect.provide(IndexWriter.layer({ maxBatch: 1000 }).pipe(Layer.provideMerge(switchable(freshFile(), state)))))
    }))

  it.live("while the index is down: retries with backoff, keeps at most `capacity` writes (the newest), counts the dropped", () =>
    Effect.gen(function*() {
      const state = { down: true, batches: [] as Array<number> }
      const teamId = randomTeamId()
      yield* Effect.gen(function*() {
        const writer = yield* IndexWriter.IndexWriter
        yield* writer.record(hits(teamId, 1))
        // Wait (bounded) for the first attempt to fail: on a loaded machine it may take longer than a fixed sleep.
        let failing = yield* writer.status
        for (let waited = 0; failing.failing === undefined && waited < 5_000; waited += 25) {
          yield* Effect.sleep("25 millis")
          failing = yield* writer.status
        }
        expect(failing.failing?.attempts).toBeGreaterThanOrEqual(1)
        expect(failing.failing?.message).toContain("down")
        // One write is in the writer's hands (being retried); the queue holds at most 100 more.
        yield* writer.record(hits(teamId, 249, Date.now() + 10))
        const full = yield* writer.status
        expect(full.dropped).toBe(149)
        state.down = false
        yield* writer.flush.pipe(Effect.timeout("10 seconds"))
        expect(yield* countEvents(teamId)).toBe(101)
        const recovered = yield* writer.status
        expect(recovered.failing).toBeUndefined()
        expect(recovered).toMatchObject({ queued: 0, dropped: 149 })
      }).pipe(Effect.provide(IndexWriter.layer({ capacity: 100 }).pipe(Layer.provideMerge(switchable(freshFile(), state)))))
    }))

  it.live("stores only a sample of `sampled` events, and counts every one in the rollups", () =>
    Effect.gen(function*() {
      const teamId = randomTeamId()
      yield* Effect.gen(function*() {
        const writer = yield* IndexWriter.IndexWriter
        const index = yield* CacheIndex
        const rejected = Array.from({ length: 50 }, (): NewActivityEvent => ({
          event_type: "auth.rejected",
          created_at: Date.now(),
          team_id: teamId,
          data: { status: 401 }
        }))
        yield* writer.record(rejected, { sampled: true })
        yield* writer.flush
        const stored = yield* countEvents(teamId)
        expect(stored).toBeGreaterThan(0)
        expect(stored).toBeLessThanOrEqual(3)
        expect((yield* index.analytics(teamId, 0, Date.now() + 3_600_000)).rejected).toBe(50)
      }).pipe(Effect.provide(IndexWriter.layer({ samplesPerMinute: 3 }).pipe(Layer.provideMerge(SqliteIndex.layer({ filename: ":memory:" })))))
    }))

  it.live("lets other work run between a batch's statements while it keeps up, and runs a batch to its end when behind", () =>
    Effect.gen(function*() {
      const teamId = randomTeamId()
      const seen: Array<boolean> = []
      const state = { slowFirst: true }
      // Records what each batch was allowed; the first batch takes 700 ms, so the writes queued meanwhile fall behind.
      const recording = Layer.effect(CacheIndex, Effect.gen(function*() {
        const inner = yield* CacheIndex
        return CacheIndex.of({
          ...inner,
          write: (batch) =>
            Effect.gen(function*() {
              seen.push(yield* WriteMayYield)
              if (state.slowFirst) {
                state.slowFirst = false
                yield* Effect.sleep("700 millis")
              }
              yield* inner.write(batch)
            })
        })
      })).pipe(Layer.provideMerge(SqliteIndex.layer({ filename: ":memory:" })))
      yield* Effect.gen(function*() {
        const writer = yield* IndexWriter.IndexWriter
        yield* writer.record(hits(teamId, 1))
        yield* Effect.sleep("200 millis") // the first batch is being applied
        yield* writer.record(hits(teamId, 1, Date.now() + 10))
        yield* writer.flush
        yield* writer.record(hits(teamId, 1, Date.now() + 20))
        yield* writer.flush
        expect(seen).toEqual([true, false, true])
      }).pipe(Effect.provide(IndexWriter.layer({ batchWindow: "10 millis" }).pipe(Layer.provideMerge(recording))))
    }))

  it.live("with WriteMayYield, the SQL index lets other fibers run between a batch's statements", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const teamId = randomTeamId()
      /** How often a fiber that only yields ran while a batch of 2,000 hits was written. */
      const turnsDuring = (mayYield: boolean, from: number) =>
        Effect.gen(function*() {
          let turns = 0
          const other = yield* Effect.forkChild(Effect.forever(Effect.andThen(Effect.yieldNow, Effect.sync(() => turns++))))
          yield* Effect.yieldNow // the other fiber starts
          const before = turns
          const batch = hits(teamId, 2000, from).map((hit) => eventWrite(makeEvent(hit.event_type, teamId, hit.created_at, hit.data)))
          yield* index.write(batch).pipe(Effect.provideService(WriteMayYield, mayYield))
          const during = turns - before
          yield* Fiber.interrupt(other)
          return during
        })
      const without = yield* turnsDuring(false, Date.now())
      const withYields = yield* turnsDuring(true, Date.now() + 10_000)
      // 2,000 events go in 7 x 256 + 3 x 64 + 1 x 16 rows: eleven statements with a yield after each
      // (the scheduler runs the other fiber at about every other one); without, the batch runs in one go.
      expect(without).toBe(0)
      expect(withYields).toBeGreaterThanOrEqual(5)
    }).pipe(Effect.provide(SqliteIndex.layer({ filename: ":memory:" }))))

  it.live("a graceful stop applies what is queued before the index closes", () =>
    Effect.gen(function*() {
      const filename = freshFile()
      const teamId = randomTeamId()
      yield* Effect.gen(function*() {
        const writer = yield* IndexWriter.IndexWriter
        yield* writer.record(hits(teamId, 3000))
      }).pipe(Effect.provide(IndexWriter.layer().pipe(Layer.provideMerge(SqliteIndex.layer({ filename })))))
      // The scope is closed: reopen the file and count.
      expect(yield* countEvents(teamId).pipe(Effect.provide(SqliteIndex.layer({ filename })))).toBe(3000)
    }))
})
