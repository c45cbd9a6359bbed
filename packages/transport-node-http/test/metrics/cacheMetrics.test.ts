import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Exit, Layer, Logger, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Hoard, IndexWriter } from "@hoard/core"
import type { Namespace } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { MemoryStorage } from "@hoard/storage-memory"
import { randomHash } from "@hoard/transport-testkit"
import { serve } from "../../src/index.ts"

const cacheToken = "cache-token-0123456789"
const metricsToken = "metrics-token-0123456789"
const auth = { authorization: `Bearer ${cacheToken}` }

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
const valueOf = (metrics: string, name: string, labels: Record<string, string> = {}): number => {
  let total = 0
  for (const line of metrics.split("\n")) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/u.exec(line)
    if (match === null || match[1] !== name) continue
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/gu)].map(([, key, value]) => [key, value]))
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total += Number(match[3])
  }
  return total
}

/** A server over `options` on 127.0.0.1, `/metrics` behind its token, in `scope`. */
const startServer = async (scope: Scope.Scope, options: Hoard.HoardOptions<unknown, unknown>) => {
  const services = await Effect.runPromise(Layer.buildWithScope(Layer.mergeAll(Hoard.layer(options), Logger.layer([])), scope))
  const { url } = await Effect.runPromise(serve({ port: 0, metricsToken, accessLog: false }).pipe(
    Effect.provideContext(services),
    Scope.provide(scope)
  ))
  const scrape = async (): Promise<string> => {
    const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    expect(response.status).toBe(200)
    return response.text()
  }
  return { base: url, services, scrape }
}

/**
 * The cache's own metrics, read as Prometheus scrapes them, through real
 * requests to a server on fs storage and a SQLite index. Metrics are
 * per process and other tests share it: every assertion reads a delta.
 */
describe("cache metrics", () => {
  const scope = Scope.makeUnsafe()
  const storageDir = join(mkdtempSync(join(tmpdir(), "hoard-metrics-")), "artifacts")
  // Configured teams: the metrics label them by slug, never by id.
  const suffix = Math.random().toString(36).slice(2, 10)
  const team = `metrics-${suffix}`
  const teamId = `team_metrics${suffix}` as Namespace
  const broken = `broken-${suffix}`
  const brokenId = `team_broken${suffix}` as Namespace
  const sized = `sized-${suffix}`
  let base: string
  let scrape: () => Promise<string>

  const artifactUrl = (hash: string, slug = team) => `${base}/v8/artifacts/${hash}?slug=${slug}`
  const upload = (hash: string, bytes: number, slug = team) =>
    fetch(artifactUrl(hash, slug), {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream", "x-artifact-duration": "10" },
      body: new Uint8Array(bytes)
    })

  beforeAll(async () => {
    mkdirSync(storageDir, { recursive: true })
    const server = await startServer(scope, {
      storage: FsStorage.layer({ directory: storageDir }),
      index: SqliteIndex.layer({ filename: ":memory:" }),
      access: {
        teams: [{ id: teamId, slug: team }, { id: brokenId, slug: broken }, { id: `team_sized${suffix}` as Namespace, slug: sized, maxSize: 2000 }],
        tokens: [{ name: "ci", token: cacheToken, teams: { "*": "admin" } }]
      },
      reconcile: false,
      retention: { ttl: "2 seconds", interval: "300 millis" }
    })
    base = server.base
    scrape = server.scrape
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("counts hits and misses by team and operation, and artifact bytes in and out", async () => {
    const before = await scrape()
    const [stored, missing] = [randomHash(), randomHash()]
    expect((await upload(stored, 1500)).status).toBe(202)
    const hit = await fetch(artifactUrl(stored), { headers: auth })
    expect((await hit.arrayBuffer()).byteLength).toBe(1500)
    expect((await fetch(artifactUrl(missing), { headers: auth })).status).toBe(404)
    expect((await fetch(artifactUrl(stored), { method: "HEAD", headers: auth })).status).toBe(200)
    expect((await fetch(artifactUrl(missing), { method: "HEAD", headers: auth })).status).toBe(404)
    const query = await fetch(`${base}/v8/artifacts?slug=${team}`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ hashes: [stored, missing, randomHash()] })
    })
    expect(query.status).toBe(200)
    const events = await fetch(`${base}/v8/artifacts/events?slug=${team}`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify([
        { sessionId: "s1", source: "REMOTE", event: "HIT", hash: stored, duration: 10 },
        { sessionId: "s1", source: "LOCAL", event: "MISS", hash: missing }
      ])
    })
    expect(events.status).toBe(200)

    const after = await scrape()
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels)
    expect(after).not.toContain(teamId)
    const lookups = (operation: string, result: string) => delta("hoard_cache_requests_total", { team, operation, result })
    expect([lookups("get", "hit"), lookups("get", "miss")]).toEqual([1, 1])
    expect([lookups("head", "hit"), lookups("head", "miss")]).toEqual([1, 1])
    expect([lookups("query", "hit"), lookups("query", "miss")]).toEqual([1, 2])
    expect(delta("hoard_artifact_bytes_total", { team, direction: "in" })).toBe(1500)
    expect(delta("hoard_artifact_bytes_total", { team, direction: "out" })).toBe(1500)
    expect(delta("hoard_turbo_cache_events_total", { team, source: "REMOTE", event: "HIT" })).toBe(1)
    expect(delta("hoard_turbo_cache_events_total", { team, source: "LOCAL", event: "MISS" })).toBe(1)
    // Every storage call above was timed, on the fs backend: a put, 2 gets, 2 heads and 3 in the query.
    const calls = (operation: string) =>
      delta("hoard_storage_operation_duration_seconds_count", { operation, backend: "fs" })
    expect([calls("put"), calls("get")]).toEqual([1, 2])
    expect(calls("head")).toBe(5)
  })

  it("counts storage errors by operation and backend", async () => {
    // A team whose directory is a file: every write there fails (ENOTDIR), even as root.
    writeFileSync(join(storageDir, brokenId), "not a directory")
    const before = await scrape()
    const response = await fetch(`${base}/v8/artifacts/${randomHash()}?slug=${broken}`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body: new Uint8Array(10)
    })
    expect(response.status).toBe(503)
    const after = await scrape()
    const errors = (metrics: string, operation: string) =>
      valueOf(metrics, "hoard_storage_operation_errors_total", { operation, backend: "fs" })
    expect(errors(after, "put") - errors(before, "put")).toBe(1)
    // A miss is not an error, and a put failed by the backend stores no bytes for the team.
    expect(errors(after, "get") - errors(before, "get")).toBe(0)
    expect(valueOf(after, "hoard_artifact_bytes_total", { team: broken }) - valueOf(before, "hoard_artifact_bytes_total", { team: broken })).toBe(0)
  })

  it("counts what retention removes by team and reason, and the index writer's batches", async () => {
    const before = await scrape()
    expect((await upload(randomHash(), 700)).status).toBe(202)
    expect((await upload(randomHash(), 300)).status).toBe(202)
    // The TTL is 2 s, the evictor runs every 300 ms.
    let after = before
    for (let attempt = 0; attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      after = await scrape()
      if (valueOf(after, "hoard_evictions_total", { team, reason: "ttl" }) - valueOf(before, "hoard_evictions_total", { team, reason: "ttl" }) >= 2) break
    }
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels)
    expect(delta("hoard_evictions_total", { team, reason: "ttl" })).toBeGreaterThanOrEqual(2)
    expect(delta("hoard_evicted_bytes_total", { team, reason: "ttl" })).toBeGreaterThanOrEqual(1000)
    expect(delta("hoard_index_write_batches_total")).toBeGreaterThan(0)
    expect(delta("hoard_storage_operation_duration_seconds_count", { operation: "delete", backend: "fs" })).toBeGreaterThanOrEqual(2)
  })

  it("counts evictions over a team's size budget, and reports its stored bytes against the budget", async () => {
    const before = await scrape()
    const evicted = (metrics: string) => valueOf(metrics, "hoard_evictions_total", { team: sized, reason: "size" })
    // 2 400 bytes over a budget of 2 000: the evictor, woken by the second upload, removes the older one.
    expect((await upload(randomHash(), 1200, sized)).status).toBe(202)
    expect((await upload(randomHash(), 1200, sized)).status).toBe(202)
    let after = before
    for (let attempt = 0; attempt < 50 && evicted(after) - evicted(before) < 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      after = await scrape()
    }
    expect(evicted(after) - evicted(before)).toBe(1)
    const bytes = (metrics: string) => valueOf(metrics, "hoard_evicted_bytes_total", { team: sized, reason: "size" })
    expect(bytes(after) - bytes(before)).toBe(1200)
    expect(valueOf(after, "hoard_storage_budget_bytes", { team: sized })).toBe(2000)
    expect(after).toMatch(new RegExp(`^hoard_storage_bytes\\{team="${sized}"\\} `, "mu"))
    // Reported after the eviction pass: at most the low watermark (90%).
    expect(valueOf(after, "hoard_storage_bytes", { team: sized })).toBeLessThanOrEqual(1800)
  })

  it("reports the process and the index writer's queue", async () => {
    const metrics = await scrape()
    expect(valueOf(metrics, "process_resident_memory_bytes")).toBeGreaterThan(10 * 1024 * 1024)
    expect(valueOf(metrics, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0)
    expect(metrics).toMatch(/^nodejs_eventloop_delay_seconds\{quantile="0.99"\} /mu)
    expect(metrics).toMatch(/^hoard_index_write_queue_depth /mu)
    expect(metrics).toMatch(/^hoard_index_write_lag_seconds /mu)
  })
})

/**
 * The index writer's queue, on a server whose writer holds at most 2 writes
 * and gathers a batch for a whole second: a query of 6 missing hashes records
 * 6 events at once, and most of them cannot be kept.
 */
describe("index writer metrics", () => {
  const scope = Scope.makeUnsafe()
  let base: string
  let services: Context.Context<Hoard.HoardServices>
  let scrape: () => Promise<string>

  beforeAll(async () => {
    const server = await startServer(scope, {
      storage: MemoryStorage.layer(),
      index: SqliteIndex.layer({ filename: ":memory:" }),
      tokens: [cacheToken],
      reconcile: false,
      writer: { capacity: 2, batchWindow: "1 second" }
    })
    base = server.base
    services = server.services
    scrape = server.scrape
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("counts the activity events dropped when the queue is full, and knows how old its oldest write is", async () => {
    const writer = Context.get(services, IndexWriter.IndexWriter)
    const before = await scrape()
    const droppedBefore = (await Effect.runPromise(writer.status)).dropped
    const sentAt = Date.now()
    const query = await fetch(`${base}/v8/artifacts?slug=queue`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ hashes: Array.from({ length: 6 }, () => randomHash()) })
    })
    expect(query.status).toBe(200)
    const status = await Effect.runPromise(writer.status)
    const dropped = status.dropped - droppedBefore
    expect(dropped).toBeGreaterThanOrEqual(3)
    // Within the batch window: the oldest write waits, enqueued during the query.
    expect(status.oldestQueuedAt).toBeGreaterThanOrEqual(sentAt - 100)
    expect(status.oldestQueuedAt).toBeLessThanOrEqual(Date.now())
    const after = await scrape()
    const delta = (name: string) => valueOf(after, name) - valueOf(before, name)
    expect(delta("hoard_index_writes_dropped_total")).toBe(dropped)
    expect(delta("hoard_activity_events_dropped_total")).toBe(dropped)
    await Effect.runPromise(writer.flush)
    expect((await Effect.runPromise(writer.status)).oldestQueuedAt).toBeUndefined()
  })
})
