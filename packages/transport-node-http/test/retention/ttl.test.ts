import { existsSync } from "node:fs"
import { join } from "node:path"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { describe, expect, it } from "vitest"
import { artifact, get, hashes, put, retention, sleep, startRetentionServer, tempDir, teams } from "./harness.ts"

describe("the TTL since last use on fs", () => {
  it("removes an artifact untouched for the TTL and keeps one read all along", async () => {
    const directory = tempDir("ttl")
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory }),
      index: SqliteIndex.layer({ filename: join(tempDir("ttl-index"), "hoard.db") }),
      retention: { ttl: "2 seconds", interval: "200 millis" }
    })
    try {
      const [hot, cold] = hashes(2) as [string, string]
      const hotBody = artifact(10_000)
      const uploadedAt = Date.now()
      expect((await put(server.url, teams.alpha.slug, hot, hotBody)).status).toBe(202)
      expect((await put(server.url, teams.alpha.slug, cold, artifact(20_000))).status).toBe(202)
      // Storage is the truth: the cold file's presence is watched on disk (a GET would count as a use).
      const coldFile = join(directory, teams.alpha.id, cold.slice(0, 2), cold)
      expect(existsSync(coldFile)).toBe(true)

      let coldGoneAt: number | undefined
      while (Date.now() - uploadedAt < 4_000) {
        const read = await get(server.url, teams.alpha.slug, hot)
        expect(read.status, `hot at ${Date.now() - uploadedAt} ms`).toBe(200)
        expect(Buffer.from(read.bytes).equals(Buffer.from(hotBody))).toBe(true)
        for (let i = 0; i < 10; i++) {
          if (coldGoneAt === undefined && !existsSync(coldFile)) coldGoneAt = Date.now()
          await sleep(50)
        }
      }
      expect(coldGoneAt, "the cold artifact expired").toBeDefined()
      // Not before the TTL, and within a few rounds of it.
      expect(coldGoneAt! - uploadedAt).toBeGreaterThanOrEqual(2_000)
      expect(coldGoneAt! - uploadedAt).toBeLessThan(3_500)
      expect((await get(server.url, teams.alpha.slug, cold)).status).toBe(404)
      expect((await get(server.url, teams.alpha.slug, hot)).status).toBe(200)

      const report = await retention(server.url, teams.alpha.slug)
      expect(report).toMatchObject({
        team_id: teams.alpha.id,
        ttl_seconds: 2,
        artifact_count: 1,
        storage_bytes: 10_000,
        max_size_bytes: null,
        evicted: { count: 1, bytes: 20_000 }
      })
      expect(report.cache.evicted).toEqual({ count: 1, bytes: 20_000 })
    } finally {
      await server.close()
    }
  }, 30_000)
})
