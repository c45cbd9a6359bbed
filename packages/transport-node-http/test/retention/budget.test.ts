import { join } from "node:path"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { describe, expect, it } from "vitest"
import {
  artifact,
  deletesHeld,
  diskUsage,
  eventually,
  get,
  hashes,
  put,
  retention,
  sleep,
  startRetentionServer,
  tempDir,
  teams
} from "./harness.ts"

const KiB = 1024
const MiB = 1024 * KiB

describe("the whole cache's size budget on fs", () => {
  it("keeps disk use under the ceiling while 3x the budget is uploaded, evicting the cold and keeping the hot", async () => {
    const budget = 2 * MiB
    const size = 64 * KiB
    const count = 96
    const directory = tempDir("budget")
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory }),
      index: SqliteIndex.layer({ filename: join(tempDir("budget-index"), "hoard.db") }),
      retention: { maxSizeBytes: budget, interval: "50 millis" },
      // The evictor reads the index: a short batch window keeps it close behind the uploads.
      writer: { batchWindow: "20 millis" }
    })
    try {
      const all = hashes(count)
      const bodies = new Map(all.map((hash) => [hash, artifact(size)]))
      // The first four are read all along: the most recently used, whatever their age.
      const hot = all.slice(0, 4)
      const statuses: Array<number> = []
      let headerBytes = 0
      let peak = 0
      for (const [i, hash] of all.entries()) {
        statuses.push((await put(server.url, teams.alpha.slug, hash, bodies.get(hash)!)).status)
        if (i === 0) headerBytes = diskUsage(directory).bytes - size
        if (i >= hot.length && i % 3 === 0) {
          for (const hotHash of hot) expect((await get(server.url, teams.alpha.slug, hotHash)).status).toBe(200)
        }
        // Each file carries a small header besides the artifact's bytes.
        const disk = diskUsage(directory)
        const payload = disk.bytes - disk.files * headerBytes
        peak = Math.max(peak, payload)
        expect(payload, `after upload ${i}`).toBeLessThanOrEqual(budget * 1.1 + size)
        // Slow enough for the evictor to stay ahead of the ceiling (3 uploads above the budget), even on a loaded machine.
        await sleep(70)
      }
      expect(statuses.filter((status) => status !== 202)).toEqual([])
      expect(peak).toBeGreaterThan(budget * 0.9)

      // Once the evictor has caught up, the cache is within its budget.
      const settled = await eventually(async () => {
        const disk = diskUsage(directory)
        const payload = disk.bytes - disk.files * headerBytes
        return payload <= budget + size ? payload : undefined
      }, 10_000)
      expect(settled).toBeLessThanOrEqual(budget + size)

      for (const hash of hot) {
        const hit = await get(server.url, teams.alpha.slug, hash)
        expect(hit.status, `hot ${hash}`).toBe(200)
        expect(Buffer.from(hit.bytes).equals(Buffer.from(bodies.get(hash)!))).toBe(true)
      }
      // The oldest cold ones went first.
      for (const hash of all.slice(4, 20)) expect((await get(server.url, teams.alpha.slug, hash)).status, `cold ${hash}`).toBe(404)
      // The newest are still there.
      for (const hash of all.slice(-8)) expect((await get(server.url, teams.alpha.slug, hash)).status).toBe(200)

      const report = await retention(server.url, teams.alpha.slug)
      const onDisk = diskUsage(directory).files
      expect(report.cache.max_size_bytes).toBe(budget)
      expect(report.cache.evicted.count).toBe(count - onDisk)
      expect(report.cache.evicted.bytes).toBe((count - onDisk) * size)
      expect(report.cache.artifact_count).toBe(onDisk)
      expect(report.cache.storage_bytes).toBe(onDisk * size)
    } finally {
      await server.close()
    }
  }, 60_000)

  it("answers 507 past the hard ceiling while the evictor is behind, and accepts uploads again once it catches up", async () => {
    const budget = 1 * MiB
    const size = 64 * KiB
    const directory = tempDir("ceiling")
    // The evictor is woken by the first upload over the budget, and stalls on its deletes until released.
    const storage = deletesHeld(FsStorage.layer({ directory }))
    const server = await startRetentionServer({
      storage: storage.layer,
      index: SqliteIndex.layer({ filename: join(tempDir("ceiling-index"), "hoard.db") }),
      retention: { maxSizeBytes: budget, interval: "1 hour" }
    })
    try {
      // 17 artifacts are 1088 KiB, within 110% of 1 MiB (1126.4 KiB); an 18th would take it to 1152 KiB.
      const fits = Math.floor((budget * 1.1) / size)
      const all = hashes(fits + 3)
      const results = []
      for (const hash of all) results.push(await put(server.url, teams.alpha.slug, hash, artifact(size)))
      expect(results.map((result) => result.status)).toEqual([...Array(fits).fill(202), 507, 507, 507])

      const refused = results[fits]!
      expect(JSON.parse(refused.body)).toEqual({
        error: { code: "insufficient_storage", message: expect.any(String), requestId: refused.headers.get("x-request-id") }
      })
      expect(refused.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/)
      // Nothing of the refused uploads was stored.
      expect(diskUsage(directory).files).toBe(fits)
      expect((await get(server.url, teams.alpha.slug, all[fits]!)).status).toBe(404)

      // Released, the woken evictor brings the cache to its low watermark (90%): 14 artifacts, with no round asked for.
      storage.release()
      const low = Math.floor((budget * 0.9) / size)
      await eventually(async () => diskUsage(directory).files === low || undefined)
      const report = await retention(server.url, teams.alpha.slug)
      expect(report.cache.evicted.count).toBe(fits - low)

      const again = await put(server.url, teams.alpha.slug, all[fits]!, artifact(size))
      expect(again.status).toBe(202)
      expect((await get(server.url, teams.alpha.slug, all[fits]!)).status).toBe(200)
    } finally {
      await server.close()
    }
  }, 60_000)
})
