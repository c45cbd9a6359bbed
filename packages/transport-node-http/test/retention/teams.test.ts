import { join } from "node:path"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { describe, expect, it } from "vitest"
import { accessWith, artifact, deletesHeld, diskUsage, eventually, get, hashes, put, retention, sleep, startRetentionServer, tempDir, teams } from "./harness.ts"

const KiB = 1024

describe("per-team budgets (maxSize)", () => {
  it("evict only the team over its budget; another team's artifacts all stay", async () => {
    const size = 16 * KiB
    const alphaBudget = 512 * KiB
    const directory = tempDir("teams")
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory }),
      index: SqliteIndex.layer({ filename: join(tempDir("teams-index"), "hoard.db") }),
      access: accessWith({ alpha: alphaBudget }),
      retention: { interval: "50 millis" },
      writer: { batchWindow: "20 millis" }
    })
    try {
      const alpha = hashes(64)
      const beta = hashes(16)
      const statuses: Array<number> = []
      for (const [i, hash] of alpha.entries()) {
        statuses.push((await put(server.url, teams.alpha.slug, hash, artifact(size))).status)
        if (i % 4 === 0) statuses.push((await put(server.url, teams.beta.slug, beta[i / 4]!, artifact(size))).status)
        const alphaDisk = diskUsage(join(directory, teams.alpha.id))
        // A file is the artifact and a small header.
        expect(alphaDisk.bytes, `alpha after upload ${i}`).toBeLessThanOrEqual(alphaBudget * 1.1 + size + alphaDisk.files * 512)
        await sleep(80)
      }
      expect(statuses.filter((status) => status !== 202)).toEqual([])

      const alphaLeft = await eventually(async () => {
        const files = diskUsage(join(directory, teams.alpha.id)).files
        return files * size <= alphaBudget ? files : undefined
      }, 10_000)
      expect(alphaLeft).toBeGreaterThan(0)
      // Beta has no budget (and there is no cache budget): nothing of it goes.
      expect(diskUsage(join(directory, teams.beta.id)).files).toBe(beta.length)
      for (const hash of beta) expect((await get(server.url, teams.beta.slug, hash)).status).toBe(200)
      // Alpha kept its most recent artifacts.
      for (const hash of alpha.slice(-alphaLeft)) expect((await get(server.url, teams.alpha.slug, hash)).status).toBe(200)
      for (const hash of alpha.slice(0, alpha.length - alphaLeft)) expect((await get(server.url, teams.alpha.slug, hash)).status).toBe(404)

      const [alphaReport, betaReport] = await Promise.all([retention(server.url, teams.alpha.slug), retention(server.url, teams.beta.slug)])
      expect(alphaReport).toMatchObject({
        team_id: teams.alpha.id,
        max_size_bytes: alphaBudget,
        artifact_count: alphaLeft,
        storage_bytes: alphaLeft * size,
        evicted: { count: alpha.length - alphaLeft, bytes: (alpha.length - alphaLeft) * size }
      })
      expect(betaReport).toMatchObject({
        team_id: teams.beta.id,
        max_size_bytes: null,
        artifact_count: beta.length,
        storage_bytes: beta.length * size,
        evicted: { count: 0, bytes: 0 }
      })
      // The whole cache: both teams, no budget of its own.
      expect(betaReport.cache).toMatchObject({
        max_size_bytes: null,
        artifact_count: alphaLeft + beta.length,
        evicted: { count: alpha.length - alphaLeft, bytes: (alpha.length - alphaLeft) * size }
      })
    } finally {
      await server.close()
    }
  }, 60_000)

  it("refuse a team's uploads with 507 only above its budget, never another team's, until a round evicts", async () => {
    const size = 64 * KiB
    const budget = 256 * KiB
    const directory = tempDir("team-ceiling")
    // The evictor is woken by the first upload over the budget, and stalls on its deletes until released.
    const storage = deletesHeld(FsStorage.layer({ directory }))
    const server = await startRetentionServer({
      storage: storage.layer,
      index: SqliteIndex.layer({ filename: join(tempDir("team-ceiling-index"), "hoard.db") }),
      access: accessWith({ alpha: budget }),
      retention: { interval: "1 hour" }
    })
    try {
      const alpha = hashes(7)
      const statuses = []
      for (const hash of alpha) statuses.push((await put(server.url, teams.alpha.slug, hash, artifact(size))).status)
      // Four fill the budget exactly. The fifth crosses the ceiling (281.6 KiB) but is taken: at the budget the
      // evictor has nothing to do, so refusing it would refuse it for good. Above the budget the ceiling holds.
      expect(statuses).toEqual([202, 202, 202, 202, 202, 507, 507])
      const refused = await put(server.url, teams.alpha.slug, alpha[5]!, artifact(size))
      expect(refused.status).toBe(507)
      expect(JSON.parse(refused.body).error).toMatchObject({ code: "insufficient_storage", message: expect.stringContaining("team alpha") })
      // Beta has no budget.
      for (const hash of hashes(6)) expect((await put(server.url, teams.beta.slug, hash, artifact(size))).status).toBe(202)

      // Released, the woken evictor brings alpha down to its low watermark, 230.4 KiB: three artifacts.
      storage.release()
      let report: any
      await eventually(async () => {
        report = await retention(server.url, teams.alpha.slug)
        return report.artifact_count === 3 || undefined
      }, undefined, () => report)
      expect(report.evicted.count).toBe(2)
      expect((await put(server.url, teams.alpha.slug, alpha[5]!, artifact(size))).status).toBe(202)
      expect((await retention(server.url, teams.beta.slug)).evicted.count).toBe(0)
    } finally {
      await server.close()
    }
  })
})
