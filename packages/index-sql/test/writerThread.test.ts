import { it } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { Effect, Exit, Fiber } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { afterAll, describe, expect } from "vitest"
import * as WriterThread from "../src/sqlite/writerThreadClient.ts"
import { event } from "./support/suite.ts"

const dir = mkdtempSync(join(tmpdir(), "hoard-index-writer-thread-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

/** A migrated index file, and its writer thread. */
const migratedFile = Effect.gen(function*() {
  const filename = join(dir, `index-${files++}.db`)
  yield* Effect.scoped(Effect.provide(Effect.flatMap(CacheIndex, () => Effect.void), SqliteIndex.layer({ filename })))
  return filename
})

const uploads = (from: number, count: number) =>
  Array.from({ length: count }, (_, n) => event("artifact.uploaded", 1_000 + from + n, { hash: `h${from + n}`, size: 1 }))

describe("SqliteIndex's writer thread", () => {
  it.live("applies writes on its own connection; the calling thread reads them once the call returns", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      yield* index.write(uploads(0, 10))
      expect(yield* index.usage("t")).toEqual({ bytes: 10, count: 10 })
      expect(yield* index.tryLease("evictor", "me", 60_000, 1_000)).toBe(true)
      expect(yield* index.tryLease("evictor", "other", 60_000, 2_000)).toBe(false)
    }).pipe(Effect.provide(SqliteIndex.layer({ filename: join(dir, `index-${files++}.db`), writerThread: true }))))

  it.live("a failed write is an IndexError from the thread, and the thread goes on", () =>
    Effect.gen(function*() {
      const filename = yield* migratedFile
      const thread = yield* WriterThread.make(filename)
      const other = new DatabaseSync(filename)
      other.exec("ALTER TABLE hourly_rollups RENAME TO hourly_rollups_away")
      const failed = yield* Effect.flip(thread.call("write", [uploads(0, 1)]))
      expect(failed._tag).toBe("IndexError")
      expect(failed.operation).toBe("write")
      expect(failed.message).toContain("hourly_rollups")
      other.exec("ALTER TABLE hourly_rollups_away RENAME TO hourly_rollups")
      other.close()
      yield* thread.call("write", [uploads(0, 1)])
    }).pipe(Effect.scoped))

  it.live("when the thread dies, the call in progress fails with an IndexError and the next call starts another thread", () =>
    Effect.gen(function*() {
      const filename = yield* migratedFile
      const thread = yield* WriterThread.make(filename)
      // Big enough that the thread is still applying it when it is terminated.
      const inProgress = yield* Effect.forkChild(thread.call("write", [uploads(0, 20_000)]))
      yield* Effect.sleep("20 millis")
      yield* thread.terminate
      const exit = yield* Fiber.await(inProgress)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Fiber.join(inProgress))
      expect(error.message).toMatch(/writer thread (exited|failed)/)
      yield* thread.call("write", [uploads(20_000, 3)])
      const usage = yield* Effect.provide(
        Effect.flatMap(CacheIndex, (index) => index.usage("t")),
        SqliteIndex.layer({ filename })
      )
      // The interrupted batch was one transaction: none of it or all of it.
      expect([3, 20_003]).toContain(usage.count)
    }).pipe(Effect.scoped))

  it.live("a file the thread cannot open fails with an IndexError naming it", () =>
    Effect.gen(function*() {
      const filename = join(dir, "no-such-directory", "index.db")
      const error = yield* Effect.flip(WriterThread.make(filename))
      expect(error._tag).toBe("IndexError")
      expect(error.operation).toBe("open")
      expect(error.message).toContain(filename)
    }).pipe(Effect.scoped))

  it.live("once its scope is closed, calls fail with an IndexError", () =>
    Effect.gen(function*() {
      const filename = yield* migratedFile
      const thread = yield* Effect.scoped(WriterThread.make(filename))
      const error = yield* Effect.flip(thread.call("setMeta", ["k", "v"]))
      expect(error.message).toContain("closed")
    }))
})
