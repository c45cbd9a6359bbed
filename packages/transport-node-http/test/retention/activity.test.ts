import { join } from "node:path"
import { Effect } from "effect"
import { CacheIndex, IndexWriter } from "@hoard/core"
import type { IndexWrite } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { describe, expect, it } from "vitest"
import { api, eventually, sleep, startRetentionServer, tempDir, teams, tokens } from "./harness.ts"

const dayMs = 24 * 60 * 60 * 1000

/** `count` remote hits of team alpha at `at`, each saving 10 ms. */
const hits = (at: number, count: number): Array<IndexWrite> =>
  Array.from({ length: count }, (_, i) => ({
    _tag: "Event",
    store: true,
    event: {
      id: IndexWriter.newEventId(at + i),
      event_type: "usage.hit",
      created_at: at + i,
      team_id: teams.alpha.id,
      data: { hash: "0123456789abcdef", source: "REMOTE", duration_ms: 10 }
    }
  }))

/** Writes straight into the SQLite file, as an index that has been running for a long time would hold. */
const seed = (filename: string, writes: ReadonlyArray<IndexWrite>) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const index = yield* CacheIndex
      for (let i = 0; i < writes.length; i += 1_000) yield* index.write(writes.slice(i, i + 1_000))
    }).pipe(Effect.provide(SqliteIndex.layer({ filename })))
  )

describe("activity retention", () => {
  it("deletes events past the activity retention and keeps their rollups; rollups past theirs go", async () => {
    const filename = join(tempDir("activity"), "hoard.db")
    const now = Date.now()
    const ancient = now - 500 * dayMs
    const old = now - 100 * dayMs
    const kept = now - 89 * dayMs
    const recent = now - 1 * dayMs
    // More old events than one delete statement takes (5 000), so the sweep pages.
    await seed(filename, [...hits(ancient, 7), ...hits(old, 12_000), ...hits(kept, 5), ...hits(recent, 3)])

    // Default retention: events 90 days, rollups 400 days. The first round sweeps.
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory: tempDir("activity-storage") }),
      index: SqliteIndex.layer({ filename }),
      retention: { interval: "100 millis" }
    })
    const test = { url: server.url, close: server.close }
    try {
      const events = (query: string) => api(test, `/api/v1/teams/${teams.alpha.slug}/events?limit=500&${query}`, { token: tokens.admin })
      await eventually(async () => {
        const page = await events(`to=${now - 90 * dayMs}`)
        expect(page.status).toBe(200)
        return page.body.events.length === 0 ? true : undefined
      }, 20_000)

      const left = await events(`from=${now - 95 * dayMs}`)
      expect(left.status).toBe(200)
      expect(left.body.events.map((event: any) => Date.parse(event.created_at)).sort()).toEqual([
        ...Array.from({ length: 5 }, (_, i) => kept + i),
        ...Array.from({ length: 3 }, (_, i) => recent + i)
      ])

      // The rollups of deleted events stay: the analytics over 200 days still count them.
      const analytics = await api(test, `/api/v1/teams/${teams.alpha.slug}/analytics?from=${now - 200 * dayMs}`, { token: tokens.admin })
      expect(analytics.status).toBe(200)
      expect(analytics.body.hits).toEqual({ local: 0, remote: 12_000 + 5 + 3 })
      expect(analytics.body.time_saved_ms).toBe((12_000 + 5 + 3) * 10)
      // Those past the rollup retention are gone.
      const longAgo = await api(test, `/api/v1/teams/${teams.alpha.slug}/analytics?from=${now - 600 * dayMs}&to=${now - 300 * dayMs}`, {
        token: tokens.admin
      })
      expect(longAgo.body.hits).toEqual({ local: 0, remote: 0 })
    } finally {
      await server.close()
    }
  }, 60_000)

  it("deletes the records of hashes never stored (missed, failed) past the activity retention", async () => {
    const filename = join(tempDir("activity-unstored"), "hoard.db")
    const now = Date.now()
    const unstored = (type: "artifact.missed" | "artifact.upload_failed", hash: string, at: number): IndexWrite => ({
      _tag: "Event",
      store: false,
      event: { id: IndexWriter.newEventId(at), event_type: type, created_at: at, team_id: teams.alpha.id, data: { hash, size: 1 } }
    })
    const [oldMiss, oldFailure, recentMiss] = ["00000000000000a1", "00000000000000b2", "00000000000000c3"]
    await seed(filename, [
      unstored("artifact.missed", oldMiss, now - 100 * dayMs),
      unstored("artifact.upload_failed", oldFailure, now - 95 * dayMs),
      unstored("artifact.missed", recentMiss, now - 1 * dayMs)
    ])
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory: tempDir("activity-unstored-storage") }),
      index: SqliteIndex.layer({ filename }),
      retention: { interval: "100 millis" }
    })
    const test = { url: server.url, close: server.close }
    try {
      const hashes = async (status: string) => {
        const page = await api(test, `/api/v1/teams/${teams.alpha.slug}/artifacts?status=${status}&limit=100`, { token: tokens.admin })
        expect(page.status).toBe(200)
        return page.body.artifacts.map((artifact: any) => artifact.hash)
      }
      await eventually(async () => ((await hashes("missing")).includes(oldMiss) ? undefined : true), 20_000)
      expect(await hashes("missing")).toEqual([recentMiss])
      expect(await hashes("failed")).toEqual([])
    } finally {
      await server.close()
    }
  }, 60_000)

  it("keeps everything with \"none\"", async () => {
    const filename = join(tempDir("activity-none"), "hoard.db")
    const now = Date.now()
    await seed(filename, [...hits(now - 500 * dayMs, 2), ...hits(now - 100 * dayMs, 4)])
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory: tempDir("activity-none-storage") }),
      index: SqliteIndex.layer({ filename }),
      retention: { interval: "100 millis", activityRetention: "none", rollupRetention: "none" }
    })
    const test = { url: server.url, close: server.close }
    try {
      // The first round (at start, or this one) has swept.
      expect((await server.runOnce()).ran).toBe(true)
      await sleep(300)
      const page = await api(test, `/api/v1/teams/${teams.alpha.slug}/events?limit=100&from=${now - 600 * dayMs}`, { token: tokens.admin })
      expect(page.body.events).toHaveLength(6)
      const analytics = await api(test, `/api/v1/teams/${teams.alpha.slug}/analytics?from=${now - 600 * dayMs}`, { token: tokens.admin })
      expect(analytics.body.hits.remote).toBe(6)
    } finally {
      await server.close()
    }
  })
})
