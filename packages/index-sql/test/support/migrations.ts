/**
 * Schema upgrades, run on SQLite and PostgreSQL alike: a database made by an
 * older release (its migrations only, rows written as it wrote them) is
 * migrated to the current schema and read by the current index.
 */
import { it } from "@effect/vitest"
import { Effect } from "effect"
import type { Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { describe, expect } from "vitest"
import { migrate, migrateWith, migrations } from "../../src/schema/migrations.ts"
import * as SqlCacheIndex from "../../src/SqlCacheIndex.ts"
import { event } from "./suite.ts"

const T = 1_800_000_000_000

/** An `artifacts` row of the `1_initial` schema. */
const initialRow = (hash: string, status: string, size: number, updatedAt: number, obtainedAt: number | null) => ({
  team_id: "t",
  hash,
  status,
  size,
  registered_at: updatedAt,
  updated_at: updatedAt,
  obtained_at: obtainedAt,
  duration_ms: 0,
  sha: "s",
  dirty_hash: null,
  has_tag: 0,
  client_ci: null,
  uploader: null,
  hit_count: obtainedAt === null ? 0 : 1
})

export const migrationSuite = (name: string, makeClient: () => Layer.Layer<SqlClient, unknown>) =>
  describe(`${name} migrations`, () => {
    it.live("2_retention over a 1_initial database: last_used_at backfilled, usage kept, the index reads and writes it", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient
        yield* migrateWith({ "1_initial": migrations["1_initial"] })
        yield* sql`INSERT INTO artifacts ${
          sql.insert([
            initialRow("a", "success", 10, T + 1000, null),
            initialRow("b", "success", 20, T + 1000, T + 5000),
            initialRow("c", "success", 40, T + 3000, T + 2000),
            initialRow("d", "missing", 80, T + 500, null)
          ])
        }`
        yield* sql`INSERT INTO team_usage (team_id, bytes, count) VALUES ('t', 70, 3)`

        expect(yield* migrate).toEqual([[2, "retention"], [3, "unstored_records"], [4, "artifact_removals"]])
        const rows = yield* sql<{ hash: string; last_used_at: unknown }>`SELECT hash, last_used_at FROM artifacts ORDER BY hash`
        expect(rows.map((row) => [row.hash, Number(row.last_used_at)])).toEqual([
          ["a", T + 1000],
          ["b", T + 5000],
          ["c", T + 3000],
          ["d", T + 500]
        ])

        const index = yield* SqlCacheIndex.make
        expect(yield* index.evictionCandidates({ teamId: "t", limit: 10 })).toEqual([
          { teamId: "t", hash: "a", size: 10, lastUsedAt: T + 1000 },
          { teamId: "t", hash: "c", size: 40, lastUsedAt: T + 3000 },
          { teamId: "t", hash: "b", size: 20, lastUsedAt: T + 5000 }
        ])
        expect(yield* index.retentionStats("t")).toEqual({ bytes: 70, count: 3, evictedCount: 0, evictedBytes: 0, oldestUsedAt: T + 1000 })
        yield* index.write([event("artifact.downloaded", T + 9000, { hash: "a", size: 10 })])
        expect((yield* index.evictionCandidates({ teamId: "t", limit: 1 }))[0]?.hash).toBe("c")
        yield* index.write([{ _tag: "Removed", teamId: "t", hash: "c", at: T + 3000, reason: "evicted" }])
        expect(yield* index.retentionStats("t")).toEqual({ bytes: 30, count: 2, evictedCount: 1, evictedBytes: 40, oldestUsedAt: T + 5000 })
        // 4_artifact_removals: the removal is remembered against a listing from before it.
        yield* index.write([{ _tag: "Stored", teamId: "t", hash: "c", info: { size: 40, createdAt: T + 3000, metadata: { durationMs: 0 } } }])
        expect(yield* index.retentionStats("t")).toMatchObject({ bytes: 30, count: 2 })
        expect(yield* index.tryLease("evictor", "me", 1000, T)).toBe(true)
        expect(yield* migrate).toEqual([])
      }).pipe(Effect.provide(makeClient())))
  })
