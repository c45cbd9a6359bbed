import { join } from "node:path"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { describe, expect, it } from "vitest"
import {
  accessWith,
  api,
  artifact,
  eventually,
  expectErrorBody,
  get,
  hashes,
  put,
  retention,
  sleep,
  startRetentionServer,
  tempDir,
  teams,
  tokens
} from "./harness.ts"

const MiB = 1024 * 1024

describe("GET /api/v1/teams/:team/retention", () => {
  it("reports what the team and the cache store, their budgets and the least recently used artifact", async () => {
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory: tempDir("report") }),
      index: SqliteIndex.layer({ filename: join(tempDir("report-index"), "hoard.db") }),
      access: accessWith({ alpha: 1 * MiB }),
      retention: { maxSizeBytes: 10 * MiB, interval: "1 hour" }
    })
    try {
      const empty = await retention(server.url, teams.alpha.slug)
      expect(empty).toEqual({
        team_id: teams.alpha.id,
        storage_bytes: 0,
        artifact_count: 0,
        max_size_bytes: MiB,
        evicted: { count: 0, bytes: 0 },
        oldest_used_at: null,
        oldest_age_seconds: null,
        quota_bytes: null,
        ttl_seconds: null,
        cache: {
          storage_bytes: 0,
          artifact_count: 0,
          max_size_bytes: 10 * MiB,
          evicted: { count: 0, bytes: 0 },
          oldest_used_at: null,
          oldest_age_seconds: null
        }
      })

      const [first, second, third, other] = hashes(4) as [string, string, string, string]
      const before = Date.now()
      expect((await put(server.url, teams.alpha.slug, first, artifact(1000))).status).toBe(202)
      const after = Date.now()
      await sleep(20)
      const secondBefore = Date.now()
      expect((await put(server.url, teams.alpha.slug, second, artifact(2000))).status).toBe(202)
      const secondAfter = Date.now()
      expect((await put(server.url, teams.alpha.slug, third, artifact(3000))).status).toBe(202)
      // The cache's oldest artifact is beta's when alpha's first is read later.
      expect((await put(server.url, teams.beta.slug, other, artifact(4000))).status).toBe(202)

      const report = await eventually(async () => {
        const body = await retention(server.url, teams.alpha.slug)
        return body.cache.artifact_count === 4 ? body : undefined
      })
      expect(report).toMatchObject({
        storage_bytes: 6000,
        artifact_count: 3,
        max_size_bytes: MiB,
        evicted: { count: 0, bytes: 0 },
        ttl_seconds: null,
        cache: { storage_bytes: 10_000, artifact_count: 4, max_size_bytes: 10 * MiB }
      })
      const oldest = Date.parse(report.oldest_used_at)
      expect(oldest).toBeGreaterThanOrEqual(before)
      expect(oldest).toBeLessThanOrEqual(after)
      expect(report.cache.oldest_used_at).toBe(report.oldest_used_at)
      expect(report.oldest_age_seconds).toBeGreaterThanOrEqual(0)
      expect(report.oldest_age_seconds).toBeLessThan(30)

      // A read is a use: the least recently used is now the second upload.
      expect((await get(server.url, teams.alpha.slug, first)).status).toBe(200)
      const afterRead = await eventually(async () => {
        const body = await retention(server.url, teams.alpha.slug)
        return body.oldest_used_at !== report.oldest_used_at ? body : undefined
      })
      const secondUse = Date.parse(afterRead.oldest_used_at)
      expect(secondUse).toBeGreaterThanOrEqual(secondBefore)
      expect(secondUse).toBeLessThanOrEqual(secondAfter)

      // Read scope is enough; another team's token is refused.
      const beta = await retention(server.url, teams.beta.slug)
      expect(beta).toMatchObject({ team_id: teams.beta.id, storage_bytes: 4000, artifact_count: 1, max_size_bytes: null })
      expect((await api({ url: server.url, close: server.close }, `/api/v1/teams/${teams.alpha.slug}/retention`, { token: tokens.writer })).status)
        .toBe(200)
      expectErrorBody(await api({ url: server.url, close: server.close }, `/api/v1/teams/${teams.beta.slug}/retention`, { token: tokens.writer }), 403, "forbidden")
    } finally {
      await server.close()
    }
  }, 30_000)

  it("is in /openapi.json with the purge endpoints", async () => {
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory: tempDir("openapi") }),
      index: SqliteIndex.layer({ filename: ":memory:" })
    })
    try {
      const document = await (await fetch(`${server.url}/openapi.json`)).json()
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining([
        "/api/v1/teams/{team}/retention",
        "/api/v1/teams/{team}/purges",
        "/api/v1/teams/{team}/purges/{id}"
      ]))
      expect(Object.keys(document.paths["/api/v1/teams/{team}/retention"])).toEqual(["get"])
      expect(Object.keys(document.paths["/api/v1/teams/{team}/purges"])).toEqual(["post"])
      expect(Object.keys(document.paths["/api/v1/teams/{team}/purges/{id}"])).toEqual(["get"])
      expect(Object.keys(document.paths["/api/v1/teams/{team}/purges"].post.responses)).toContain("202")
    } finally {
      await server.close()
    }
  })
})
