import { join } from "node:path"
import { Effect, Layer } from "effect"
import { ArtifactStorage, CacheIndex, Evictor } from "@hoard/core"
import { PgIndex } from "@hoard/index-sql"
import { startPostgres } from "@hoard/index-testkit"
import type { PostgresServer } from "@hoard/index-testkit"
import { FsStorage } from "@hoard/storage-fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RetentionServer } from "./harness.ts"
import { artifact, diskUsage, eventually, hashes, put, retention, sleep, startRetentionServer, tempDir, teams } from "./harness.ts"

const KiB = 1024
const MiB = 1024 * KiB

interface LeaseTry {
  readonly replica: number
  readonly holder: string
  readonly held: boolean
}
interface Delete {
  readonly replica: number
  readonly hash: string
  readonly deleted: boolean
}

/** The real PostgreSQL index, with each replica's lease attempts written down. */
const watchedIndex = (url: string, replica: number, tries: Array<LeaseTry>): Layer.Layer<CacheIndex, unknown> =>
  Layer.effect(CacheIndex, Effect.gen(function*() {
    const inner = yield* CacheIndex
    return CacheIndex.of({
      ...inner,
      tryLease: (name, holder, ttlMs, now) =>
        inner.tryLease(name, holder, ttlMs, now).pipe(Effect.tap((held) =>
          Effect.sync(() => {
            if (name === Evictor.retentionLease) tries.push({ replica, holder, held })
          })
        ))
    })
  })).pipe(Layer.provide(PgIndex.layer({ url })))

/** The real shared directory, with each replica's deletes written down. */
const watchedStorage = (directory: string, replica: number, deletes: Array<Delete>): Layer.Layer<ArtifactStorage, unknown> =>
  Layer.effect(ArtifactStorage, Effect.gen(function*() {
    const inner = yield* ArtifactStorage
    return ArtifactStorage.of({
      ...inner,
      delete: (key) =>
        inner.delete(key).pipe(Effect.tap((deleted) => Effect.sync(() => deletes.push({ replica, hash: key.hash, deleted }))))
    })
  })).pipe(Layer.provide(FsStorage.layer({ directory })))

describe("two replicas over one PostgreSQL index and one directory", () => {
  let postgres: PostgresServer
  beforeAll(async () => {
    postgres = await startPostgres()
  }, 120_000)
  afterAll(() => postgres?.stop(), 60_000)

  it("evict each artifact once, from one replica at a time, and count it once", async () => {
    const budget = 2 * MiB
    const size = 64 * KiB
    const url = await postgres.createDatabase()
    const directory = tempDir("replicas")
    const tries: Array<LeaseTry> = []
    const deletes: Array<Delete> = []
    const replicas: Array<RetentionServer> = []
    try {
      for (const replica of [0, 1]) {
        replicas.push(await startRetentionServer({
          storage: watchedStorage(directory, replica, deletes),
          index: watchedIndex(url, replica, tries),
          retention: { maxSizeBytes: budget, interval: "100 millis" },
          writer: { batchWindow: "20 millis" }
        }))
      }
      const uploaded: Array<string> = []
      for (const [i, hash] of hashes(80).entries()) {
        const { status } = await put(replicas[i % 2]!.url, teams.alpha.slug, hash, artifact(size))
        // Each replica counts its own uploads at once and the other's once the index has them: a 507 is possible, not an error.
        expect([202, 507]).toContain(status)
        if (status === 202) uploaded.push(hash)
        await sleep(60)
      }
      expect(uploaded.length).toBeGreaterThan(64)

      const left = await eventually(async () => {
        const { files } = diskUsage(directory)
        return files * size <= budget ? files : undefined
      }, 15_000)
      // Let the last round's index writes land.
      const report = await eventually(async () => {
        const body = await retention(replicas[1]!.url, teams.alpha.slug)
        return body.cache.artifact_count === left ? body : undefined
      })

      // Every artifact that left storage was counted once, and nothing else was.
      const gone = uploaded.length - left
      expect(gone).toBeGreaterThan(30)
      expect(report.cache.evicted).toEqual({ count: gone, bytes: gone * size })
      expect(await retention(replicas[0]!.url, teams.alpha.slug)).toMatchObject({ evicted: { count: gone, bytes: gone * size } })
      const removed = deletes.filter((entry) => entry.deleted)
      expect(removed).toHaveLength(gone)
      expect(new Set(deletes.map((entry) => entry.hash)).size).toBe(deletes.length)

      // One replica held the lease the whole time; the other tried and was refused each time.
      const holders = new Set(tries.filter((entry) => entry.held).map((entry) => entry.holder))
      expect(holders.size).toBe(1)
      const leader = tries.find((entry) => entry.held)!.replica
      expect(tries.filter((entry) => entry.replica !== leader && entry.held)).toEqual([])
      expect(tries.filter((entry) => entry.replica !== leader).length).toBeGreaterThan(5)
      expect(new Set(deletes.map((entry) => entry.replica))).toEqual(new Set([leader]))
      const row = await postgres.psql("SELECT holder FROM leases WHERE name = 'retention'", new URL(url).pathname.slice(1))
      expect(row).toBe([...holders][0])
    } finally {
      for (const replica of replicas) await replica.close()
    }
  }, 90_000)
})
