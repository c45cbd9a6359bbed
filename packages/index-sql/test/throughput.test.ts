/**
 * A rough measure of `write` throughput: batches of 1 000 events (a mix of
 * turbo usage events and artifact events over many records). Prints events
 * per second; asserts only that the writes were all applied. Opt-in, as it
 * measures nothing useful next to other test files: `HOARD_INDEX_BENCH=1`.
 */
import { CacheIndex } from "@hoard/core"
import type { IndexWrite, StoredActivityEvent } from "@hoard/core"
import { PgIndex, SqliteIndex } from "@hoard/index-sql"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { usePostgres } from "@hoard/index-testkit"

const batches = 20
const batchSize = 1_000

const batchAt = (b: number, t0: number): ReadonlyArray<IndexWrite> =>
  Array.from({ length: batchSize }, (_, i): IndexWrite => {
    const n = b * batchSize + i
    const created_at = t0 + n
    const hash = `hash-${n % 5_000}`
    const kinds: ReadonlyArray<Omit<StoredActivityEvent, "id" | "created_at">> = [
      { event_type: "usage.hit", team_id: "bench", data: { source: "REMOTE", duration_ms: 1200, hash } },
      { event_type: "usage.miss", team_id: "bench", data: { source: "LOCAL", hash } },
      { event_type: "artifact.upload_started", team_id: "bench", data: { hash, size: 1000 } },
      { event_type: "artifact.uploaded", team_id: "bench", data: { hash, size: 1000, sha: "abc", token_name: "ci" } },
      { event_type: "artifact.downloaded", team_id: "bench", data: { hash, size: 1000 } }
    ]
    return { _tag: "Event", store: true, event: { id: `${created_at.toString(16)}-${n}`, created_at, ...kinds[n % kinds.length]! } }
  })

const measure = (name: string) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    const t0 = Date.now()
    const writes = Array.from({ length: batches }, (_, b) => batchAt(b, t0))
    yield* index.write(writes[0]!) // warm up
    const start = performance.now()
    for (const batch of writes.slice(1)) yield* index.write(batch)
    const seconds = (performance.now() - start) / 1000
    const perSecond = Math.round(((batches - 1) * batchSize) / seconds)
    console.log(`${name}: ${perSecond} events/s (${((seconds * 1000) / (batches - 1)).toFixed(1)} ms per batch of ${batchSize})`)
    const totals = yield* index.analytics("bench", t0, t0 + 10 * 3_600_000)
    expect(totals.hits.remote + totals.misses.local + totals.uploads + totals.downloads).toBe((batches * batchSize * 4) / 5)
  })

describe.runIf(process.env["HOARD_INDEX_BENCH"] === "1")("write throughput", () => {
  let dir = ""
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "hoard-index-bench-"))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const pg = usePostgres()

  it("SQLite write throughput", () =>
    Effect.runPromise(Effect.provide(measure("SQLite"), SqliteIndex.layer({ filename: join(dir, "bench.db") }))))

  it("PostgreSQL write throughput", () =>
    Effect.runPromise(Effect.provide(measure("PostgreSQL"), PgIndex.layer({ url: pg.url }))))
})
