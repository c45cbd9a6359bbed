import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, Logger, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CacheMetrics, Hoard } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
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

/**
 * The cache's own metrics, read as Prometheus scrapes them, through real
 * requests to a server on fs storage and a SQLite index. Metrics are
 * per process and other tests share it: every assertion reads a delta.
 */
describe("cache metrics", () => {
  const scope = Scope.makeUnsafe()
  const storageDir = join(mkdtempSync(join(tmpdir(), "hoard-metrics-")), "artifacts")
  const team = `metrics-${Math.random().toString(36).slice(2, 10)}`
  let base: string

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    expect(response.status).toBe(200)
    return response.text()
  }
  const artifactUrl = (hash: string) => `${base}/v8/artifacts/${hash}?slug=${team}`
  const upload = (hash: string, bytes: number) =>
    fetch(artifactUrl(hash), {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream", "x-artifact-duration": "10" },
      body: new Uint8Array(bytes)
    })

  beforeAll(async () => {
    mkdirSync(storageDir, { recursive: true })
    const services = await Effect.runPromise(Layer.buildWithScope(
      Layer.mergeAll(
        Hoard.layer({
          storage: FsStorage.layer({ directory: storageDir }),
          index: SqliteIndex.layer({ filename: ":memory:" }),
          tokens: [cacheToken],
          reconcile: false,
          retention: { ttl: "2 seconds", interval: "300 millis" }
        }),
        Logger.layer([])
      ),
      scope
    ))
    base = (await Effect.runPromise(serve({ port: 0, metricsToken, accessLog: false }).pipe(
      Effect.provideContext(services),
      Scope.provide(scope)
    ))).url
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
    // Another team whose directory is a file: every write there fails (ENOTDIR), even as root.
    const broken = `${team}-broken`
    writeFileSync(join(storageDir, broken), "not a directory")
    const before = await scrape()
    const response = await fetch(`${base}/v8/artifacts/${randomHash()}?slug=${broken}`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body: new Uint8Array(10)
    })
    expect(response.status).toBe(503)
    const after = await scrape()
    const errors = (metrics: string) => valueOf(metrics, "hoard_storage_operation_errors_total", { operation: "put", backend: "fs" })
    expect(errors(after) - errors(before)).toBe(1)
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

  it("reports the process and the index writer's queue", async () => {
    const metrics = await scrape()
    expect(valueOf(metrics, "process_resident_memory_bytes")).toBeGreaterThan(10 * 1024 * 1024)
    expect(valueOf(metrics, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0)
    expect(metrics).toMatch(/^nodejs_eventloop_delay_seconds\{quantile="0.99"\} /mu)
    expect(metrics).toMatch(/^hoard_index_write_queue_depth /mu)
    expect(valueOf(metrics, "hoard_index_write_failing_seconds")).toBe(0)
  })
})

describe("teamLabel", () => {
  it("labels the first teams by id and every team past the bound `other`", () => {
    const prefix = `label-${Math.random().toString(36).slice(2, 8)}`
    const labels = Array.from({ length: CacheMetrics.maxTeamLabels + 5 }, (_, n) => CacheMetrics.teamLabel(`${prefix}-${n}`))
    const own = labels.filter((label) => label !== "other")
    // Other tests in this process may have used some of the labels already.
    expect(own.length).toBeLessThanOrEqual(CacheMetrics.maxTeamLabels)
    expect(labels.slice(own.length).every((label) => label === "other")).toBe(true)
    expect(own.every((label, n) => label === `${prefix}-${n}`)).toBe(true)
    // A team labelled once keeps its label.
    if (own.length > 0) expect(CacheMetrics.teamLabel(own[0]!)).toBe(own[0])
  })
})
