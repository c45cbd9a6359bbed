import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, Logger, References, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CacheIndex, Hoard, IndexError } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { put, randomHash } from "@hoard/transport-testkit"
import { serve, serveMetrics } from "../../src/index.ts"

const cacheToken = "cache-token-0123456789"
const metricsToken = "metrics-token-0123456789"
const auth = { authorization: `Bearer ${cacheToken}` }

/** Every log line the server writes, as the JSON logger prints it. */
const logLines: Array<Record<string, any>> = []
const collector = Logger.make((options) => void logLines.push(JSON.parse(Logger.formatJson.log(options))))

/** The SQLite index, whose readiness check fails while `down` is set. */
const indexState = { down: false }
const checkedIndex = Layer.effect(CacheIndex, Effect.map(Effect.service(CacheIndex), (inner) =>
  CacheIndex.of({
    ...inner,
    check: Effect.suspend(() =>
      indexState.down ? Effect.fail(new IndexError({ operation: "check", message: "connection refused to db.internal:5432 (simulated)" })) : inner.check
    )
  }))).pipe(Layer.provide(SqliteIndex.layer({ filename: ":memory:" })))

/** The value of the one sample of `name` whose labels are exactly `labels`, or `undefined`. */
const sample = (metrics: string, name: string, labels: Record<string, string>): number | undefined => {
  for (const line of metrics.split("\n")) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/u.exec(line)
    if (match === null || match[1] !== name) continue
    const found = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/gu)].map(([, key, value]) => [key, value]))
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort())) return Number(match[3])
  }
  return undefined
}

describe("probes, /metrics and the access log", () => {
  const scope = Scope.makeUnsafe()
  const storageDir = join(mkdtempSync(join(tmpdir(), "hoard-probes-")), "artifacts")
  let base: string
  let metricsPort: number

  beforeAll(async () => {
    const services = await Effect.runPromise(Layer.buildWithScope(
      Layer.mergeAll(
        Hoard.layer({ storage: FsStorage.layer({ directory: storageDir }), index: checkedIndex, tokens: [cacheToken], reconcile: false }),
        Logger.layer([collector]),
        // To see that probes and scrapes are logged at debug (and so not at the default info).
        Layer.succeed(References.MinimumLogLevel, "Debug")
      ),
      scope
    ))
    const started = await Effect.runPromise(Effect.all([
      serve({ port: 0, basePath: "/cache", metricsToken }),
      serveMetrics({ port: 0 })
    ]).pipe(Effect.provideContext(services), Scope.provide(scope)))
    base = started[0].url
    metricsPort = started[1].port
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("/healthz and /readyz answer 200 without a token, under the base path only", async () => {
    const health = await fetch(`${base}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: "ok" })
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: "ready", checks: { storage: "ok", index: "ok" } })
    expect((await fetch(`${new URL(base).origin}/healthz`)).status).toBe(404)
  })

  it("/readyz is 503 naming the failing part, with no error text; the cause is logged", async () => {
    indexState.down = true
    try {
      const response = await fetch(`${base}/readyz`)
      expect(response.status).toBe(503)
      const text = await response.text()
      expect(JSON.parse(text)).toEqual({ status: "unavailable", failing: ["index"], checks: { storage: "ok", index: "failing" } })
      expect(text).not.toContain("db.internal")
    } finally {
      indexState.down = false
    }

    rmSync(storageDir, { recursive: true, force: true })
    try {
      const response = await fetch(`${base}/readyz`)
      expect(response.status).toBe(503)
      const text = await response.text()
      expect(JSON.parse(text)).toMatchObject({ status: "unavailable", failing: ["storage"] })
      expect(text).not.toContain(storageDir)
      expect(text).not.toContain("ENOENT")
      const logged = logLines.find((line) => line.message === "readiness check failed: storage")
      expect(logged?.level).toBe("WARN")
      expect(JSON.stringify(logged)).toContain(storageDir)
    } finally {
      mkdirSync(storageDir, { recursive: true })
    }
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
  })

  it("/metrics on the main port wants the metrics token, never a cache token", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401)
    expect((await fetch(`${base}/metrics`, { headers: auth })).status).toBe(401)
    const scraped = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    expect(scraped.status).toBe(200)
    expect(scraped.headers.get("content-type")).toContain("text/plain")
  })

  it("counts requests by method, route template and status, and bytes by route", async () => {
    const scrape = async () => (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text()
    const before = await scrape()
    const hashes = [randomHash(), randomHash(), randomHash()]
    for (const hash of hashes) {
      expect((await put(`${base}/v8/artifacts/${hash}?slug=metrics`, randomBytes(1000), auth)).status).toBe(202)
    }
    for (const hash of [...hashes, randomHash()]) await (await fetch(`${base}/v8/artifacts/${hash}?slug=metrics`, { headers: auth })).arrayBuffer()
    await (await fetch(`${base}/no/such/route`)).text()

    const metrics = await scrape()
    const route = "/v8/artifacts/:hash"
    const unmatched = { method: "GET", route: "unmatched", status: "404" }
    expect(sample(metrics, "hoard_http_requests_total", { method: "PUT", route, status: "202" })).toBe(3)
    expect(sample(metrics, "hoard_http_requests_total", { method: "GET", route, status: "200" })).toBe(3)
    expect(sample(metrics, "hoard_http_requests_total", { method: "GET", route, status: "404" })).toBe(1)
    expect(sample(metrics, "hoard_http_requests_total", unmatched)! - (sample(before, "hoard_http_requests_total", unmatched) ?? 0)).toBe(1)
    expect(sample(metrics, "hoard_http_request_bytes_total", { method: "PUT", route })).toBe(3000)
    expect(sample(metrics, "hoard_http_response_bytes_total", { method: "GET", route })).toBeGreaterThanOrEqual(3000)
    expect(sample(metrics, "hoard_http_request_duration_seconds_count", { method: "PUT", route })).toBe(3)
    expect(sample(metrics, "hoard_http_request_duration_seconds_bucket", { method: "PUT", route, le: "+Inf" })).toBe(3)
    expect(metrics).toContain("hoard_uploads_in_flight 0")
    // The raw URL never becomes a label.
    for (const hash of hashes) expect(metrics).not.toContain(hash)
  })

  it("serves the same metrics on the separate port without auth, and nothing else there", async () => {
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    expect(scraped.status).toBe(200)
    const text = await scraped.text()
    expect(sample(text, "hoard_http_requests_total", { method: "PUT", route: "/v8/artifacts/:hash", status: "202" })).toBe(3)
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v8/artifacts/status`)).status).toBe(404)
  })

  it("writes one access-log line per request at info, probes and scrapes at debug only", async () => {
    const hash = randomHash()
    const response = await put(`${base}/v8/artifacts/${hash}?slug=logged`, randomBytes(321), auth)
    const requestId = response.headers.get("x-request-id")
    await new Promise((resolve) => setTimeout(resolve, 50))
    const lines = logLines.filter((line) => line.annotations?.requestId === requestId && line.annotations?.route !== undefined)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: "INFO",
      message: "PUT /v8/artifacts/:hash 202",
      annotations: { method: "PUT", route: "/v8/artifacts/:hash", status: 202, bytesIn: 321, team: "logged", tokenName: expect.any(String) }
    })
    expect(lines[0]!.annotations.durationMs).toBeGreaterThan(0)
    expect(JSON.stringify(lines[0])).not.toContain(cacheToken)
    const probeLines = logLines.filter((line) => line.annotations?.route === "/healthz" || line.annotations?.route === "/readyz")
    expect(probeLines.length).toBeGreaterThan(0)
    expect(probeLines.every((line) => line.level === "DEBUG")).toBe(true)
  })
})
