import { it } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import { SqliteClient, SqliteIndex } from "@hoard/index-sql"
import { Effect, Layer, Stream } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect } from "vitest"
import { migrationSuite } from "./support/migrations.ts"
import { event, sqlIndexSuite } from "./support/suite.ts"

const dir = mkdtempSync(join(tmpdir(), "hoard-index-sqlite-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

sqlIndexSuite("SqliteIndex", () => SqliteIndex.layer({ filename: join(dir, `index-${files++}.db`) }))
migrationSuite("SqliteIndex", () => SqliteClient.layer({ filename: join(dir, `index-${files++}.db`) }))

describe("SqliteIndex", () => {
  it.live("creates the file's directories and keeps the data across a reopen (migrations run once)", () =>
    Effect.gen(function*() {
      const filename = join(dir, "nested", "deeper", "index.db")
      const write = Effect.gen(function*() {
        const index = yield* CacheIndex
        yield* index.write([event("artifact.uploaded", 1_000, { hash: "h", size: 3 })])
      })
      yield* Effect.provide(write, SqliteIndex.layer({ filename }))
      const usage = yield* Effect.provide(
        Effect.flatMap(CacheIndex, (index) => index.usage("t")),
        SqliteIndex.layer({ filename })
      )
      expect(usage).toEqual({ bytes: 3, count: 1 })
    }))

  it.live("runs in memory", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write([event("artifact.uploaded", 1_000, { hash: "h", size: 3 })])
      expect(yield* index.usage("t")).toEqual({ bytes: 3, count: 1 })
    }).pipe(Effect.provide(SqliteIndex.layer({ filename: ":memory:" }))))

  it.live("a file that is not a database fails the layer with an IndexError", () =>
    Effect.gen(function*() {
      const filename = join(dir, "not-a-database.db")
      writeFileSync(filename, "this is not SQLite ".repeat(100))
      const error = yield* Effect.flip(Layer.build(SqliteIndex.layer({ filename })))
      expect(error._tag).toBe("IndexError")
      expect(error.message).toContain(filename)
    }))

  it.live("streams a query's rows a page at a time, and a failing query fails the stream with SqlError", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient
      yield* sql`CREATE TABLE numbers (n INTEGER NOT NULL)`
      yield* sql`INSERT INTO numbers (n)
        WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < 999) SELECT n FROM c`
      const rows = yield* Stream.runCollect(sql<{ n: number }>`SELECT n FROM numbers ORDER BY n`.stream)
      expect(rows.map((row) => row.n)).toEqual(Array.from({ length: 1000 }, (_, n) => n))
      const failed = yield* Effect.flip(Stream.runCollect(sql`SELECT * FROM no_such_table`.stream))
      expect(failed._tag).toBe("SqlError")
    }).pipe(Effect.provide(SqliteClient.layer({ filename: ":memory:" }))))

  it.live("a statement that failed to prepare is prepared again on its next run", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient
      const insert = sql`INSERT INTO later (n) VALUES (${1})`
      const failed = yield* Effect.flip(insert)
      expect(failed._tag).toBe("SqlError")
      yield* sql`CREATE TABLE later (n INTEGER NOT NULL)`
      yield* insert
      expect(yield* sql<{ n: number }>`SELECT n FROM later`).toEqual([{ n: 1 }])
    }).pipe(Effect.provide(SqliteClient.layer({ filename: ":memory:" }))))
})
