import { SqliteIndex } from "@hoard/index-sql"
import { cacheIndexConformance, concurrentWritersConformance, eventWrite, makeEvent } from "@hoard/index-testkit"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"

const dir = mkdtempSync(join(tmpdir(), "hoard-index-conformance-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const filename = join(dir, "index.db")

cacheIndexConformance("SqliteIndex", () => SqliteIndex.layer({ filename }), {
  reopen: () => SqliteIndex.layer({ filename }),
  // `created_at` is NOT NULL, and SQLite binds NaN as NULL.
  failingWrite: (teamId) => eventWrite(makeEvent("usage.hit", teamId, Number.NaN, { source: "LOCAL" }))
})

// Two connections on one file (two processes sharing it): they take turns at the write lock.
concurrentWritersConformance("SqliteIndex", () => SqliteIndex.layer({ filename: join(dir, "shared.db") }))
