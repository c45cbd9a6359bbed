import { it } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect } from "vitest"
import { event, sqlIndexSuite } from "./support/suite.ts"

const dir = mkdtempSync(join(tmpdir(), "hoard-index-sqlite-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

sqlIndexSuite("SqliteIndex", () => SqliteIndex.layer({ filename: join(dir, `index-${files++}.db`) }))

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
})
