import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Option, Stream } from "effect"
import { activityNamespace, ArtifactStorage, CacheIndex, Hoard, LegacyActivityBatches, Reconciler } from "@hoard/core"
import type { ArtifactHash, Namespace } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { afterAll, describe, expect, it } from "vitest"
import { startHoardServer } from "../src/index.ts"

const token = "reconcile-token-0123456789"
const auth = { authorization: `Bearer ${token}` }
const dirs: Array<string> = []
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `hoard-${name}-`))
  dirs.push(dir)
  return dir
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

const randomHash = () => randomBytes(8).toString("hex") as ArtifactHash

/** Puts artifacts straight into storage, as an older Hoard (or another replica without the index) left them. */
const populate = (directory: string, team: string, sizes: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const storage = FsStorage.make(directory)
    const hashes: Array<string> = []
    for (const size of sizes) {
      const hash = randomHash()
      hashes.push(hash)
      yield* storage.put({ namespace: team as Namespace, hash }, Stream.make(new Uint8Array(size)), {
        size,
        metadata: { durationMs: 42, sha: "cafe01" }
      })
    }
    return hashes
  })

/** Hoard's services over fs storage and an SQLite file, without the background walk (the test runs it). */
const services = (directory: string, indexFile: string) =>
  Hoard.layer({
    storage: FsStorage.layer({ directory }),
    index: SqliteIndex.layer({ filename: indexFile }),
    tokens: [token],
    reconcile: false
  })

describe("reconciliation of the cache index with storage", () => {
  it("an empty index over a populated directory converges while Hoard serves", async () => {
    const directory = tempDir("reconcile-fs")
    const team = `team-${randomBytes(3).toString("hex")}`
    const hashes = await Effect.runPromise(populate(directory, team, [100, 200, 300]))
    // The server's own background walk runs at start.
    const server = await startHoardServer({
      storage: FsStorage.layer({ directory }),
      index: SqliteIndex.layer({ filename: join(tempDir("reconcile-index"), "hoard.db") }),
      tokens: [token],
      port: 0
    })
    try {
      const deadline = Date.now() + 20_000
      let page: any = { artifacts: [] }
      while (Date.now() < deadline && page.artifacts.length < 3) {
        page = await (await fetch(`${server.url}/api/v1/teams/${team}/artifacts`, { headers: auth })).json()
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(page.artifacts.map((record: any) => [record.hash, record.status, record.size, record.sha]).sort())
        .toEqual(hashes.map((hash, i) => [hash, "success", (i + 1) * 100, "cafe01"]).sort())
      const analytics = await (await fetch(`${server.url}/api/v1/teams/${team}/analytics`, { headers: auth })).json()
      expect(analytics).toMatchObject({ artifact_count: 3, storage_bytes: 600 })
    } finally {
      await server.close()
    }
  }, 60_000)

  it("marks records whose object is gone as missing, and usage follows", async () => {
    const directory = tempDir("reconcile-gone")
    const indexFile = join(tempDir("reconcile-gone-index"), "hoard.db")
    const team = `team-${randomBytes(3).toString("hex")}`
    const program = Effect.gen(function*() {
      const hashes = yield* populate(directory, team, [10, 20, 30])
      const index = yield* CacheIndex
      const first = yield* Reconciler.reconcileOnce()
      expect(first).toMatchObject({ stored: 3, gone: 0 })
      expect(yield* index.usage(team)).toEqual({ bytes: 60, count: 3 })
      // Removed behind Hoard's back (a lifecycle rule, an operator).
      yield* (yield* ArtifactStorage).delete({ namespace: team as Namespace, hash: hashes[1] as ArtifactHash })
      yield* Effect.sleep("5 millis")
      const second = yield* Reconciler.reconcileOnce()
      expect(second).toMatchObject({ stored: 2, gone: 1 })
      const record = yield* index.getArtifact(team, hashes[1]!, Date.now())
      expect(Option.getOrThrow(record).status).toBe("missing")
      expect(yield* index.usage(team)).toEqual({ bytes: 40, count: 2 })
    })
    await Effect.runPromise(program.pipe(Effect.provide(services(directory, indexFile))))
  }, 60_000)

  it("walks when none is recorded in the index, and not again on a restart within the interval", async () => {
    const directory = tempDir("reconcile-schedule")
    const indexFile = join(tempDir("reconcile-schedule-index"), "hoard.db")
    const team = `team-${randomBytes(3).toString("hex")}`
    await Effect.runPromise(populate(directory, team, [5]))
    let listings = 0
    const counting = Layer.effect(ArtifactStorage, Effect.map(ArtifactStorage, (inner) =>
      ArtifactStorage.of({
        ...inner,
        list: (options) => Stream.unwrap(Effect.sync(() => {
          if (options.namespace === team) listings++
          return inner.list(options)
        }))
      }))).pipe(Layer.provide(FsStorage.layer({ directory })))
    const start = Hoard.layer({ storage: counting, index: SqliteIndex.layer({ filename: indexFile }), tokens: [token] })
    const waitForWalk = Effect.gen(function*() {
      const index = yield* CacheIndex
      for (let i = 0; i < 200 && Option.isNone(yield* index.getMeta(Reconciler.lastWalkMetaKey)); i++) {
        yield* Effect.sleep("25 millis")
      }
      return yield* index.getMeta(Reconciler.lastWalkMetaKey)
    })
    const walkedAt = await Effect.runPromise(Effect.provide(waitForWalk, start))
    expect(Option.isSome(walkedAt)).toBe(true)
    expect(listings).toBe(1)
    // A restart: the walk is not due yet, so storage is not listed again.
    await Effect.runPromise(Effect.provide(Effect.sleep("500 millis"), start))
    expect(listings).toBe(1)
  }, 60_000)

  it("imports the activity record Hoard 0.1 kept in storage, once", async () => {
    const directory = tempDir("reconcile-import")
    const indexFile = join(tempDir("reconcile-import-index"), "hoard.db")
    const team = `team_${randomBytes(3).toString("hex")}`
    const time = Date.UTC(2026, 10, 1, 12)
    const key = LegacyActivityBatches.batchKey(time)
    const legacy = LegacyActivityBatches.encodeBatchBody(0, [
      { event_type: "usage.hit", created_at: time, team_id: team, data: { hash: "ab", source: "REMOTE", duration_ms: 700 } },
      { event_type: "usage.miss", created_at: time + 1, team_id: team, data: { hash: "cd", source: "LOCAL" } }
    ])
    await Effect.runPromise(FsStorage.make(directory).put(
      { namespace: activityNamespace, hash: key as ArtifactHash },
      Stream.make(legacy),
      { size: legacy.byteLength, metadata: { durationMs: 0 } }
    ))
    const listEvents = Effect.gen(function*() {
      const index = yield* CacheIndex
      // The import runs in the background at start; wait for it.
      for (let i = 0; i < 200; i++) {
        const page = yield* index.listEvents({ teamId: team, limit: 10 })
        if (page.events.length > 0) return page.events
        yield* Effect.sleep("50 millis")
      }
      return []
    })
    const withWalk = Hoard.layer({
      storage: FsStorage.layer({ directory }),
      index: SqliteIndex.layer({ filename: indexFile }),
      tokens: [token]
    })
    const first = await Effect.runPromise(Effect.provide(listEvents, withWalk))
    expect(first.map((event) => [event.id, event.event_type]).sort()).toEqual([
      [LegacyActivityBatches.eventId(key, 0), "usage.hit"],
      [LegacyActivityBatches.eventId(key, 1), "usage.miss"]
    ])
    // A second start finds the import done: nothing twice, in events or rollups.
    const again = await Effect.runPromise(Effect.provide(
      Effect.andThen(Effect.sleep("500 millis"), Effect.flatMap(CacheIndex, (index) =>
        Effect.all([index.listEvents({ teamId: team, limit: 10 }), index.analytics(team, 0, Date.now())]))),
      withWalk
    ))
    expect(again[0].events).toHaveLength(2)
    expect(again[1]).toMatchObject({ hits: { local: 0, remote: 1 }, misses: { local: 1, remote: 0 }, time_saved_ms: 700 })
  }, 60_000)
})
