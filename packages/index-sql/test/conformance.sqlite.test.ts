import { SqliteIndex } from "@hoard/index-sql"
import { cacheIndexConformance, concurrentWritersConformance, eventWrite, makeEvent } from "@hoard/index-testkit"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"

const dir = mkdtempSync(join(tmpdir(), "hoard-index-conformance-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const filename = join(dir, "index.db")

// `created_at` is NOT NULL, and SQLite binds NaN as NULL.
const failingWrite = (teamId: string) => eventWrite(makeEvent("usage.hit", teamId, Number.NaN, { source: "LOCAL" }))

cacheIndexConformance("SqliteIndex", () => SqliteIndex.layer({ filename }), {
  reopen: () => SqliteIndex.layer({ filename }),
  failingWrite
})

// The writes on the writer thread's connection, the reads on this thread's.
const threaded = { filename: join(dir, "threaded.db"), writerThread: true }
cacheIndexConformance("SqliteIndex with a writer thread", () => SqliteIndex.layer(threaded), {
  reopen: () => SqliteIndex.layer(threaded),
  failingWrite
})

// Two connections on one file (two processes sharing it): they take turns at the write lock.
concurrentWritersConformance("SqliteIndex", () => SqliteIndex.layer({ filename: join(dir, "shared.db") }))
