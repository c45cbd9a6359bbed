import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { put, randomHash, startOtlpReceiver } from "@hoard/transport-testkit"
import type { OtlpReceiver } from "@hoard/transport-testkit"
import { run, waitFor } from "./running.ts"
import type { Running } from "./running.ts"

const token = "cli-observed-token-0123"
const auth = { authorization: `Bearer ${token}` }

/** `hoard serve` on a free port with the test's token and a fresh data dir. */
const serve = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Running =>
  run(["serve", "--port", "0", "--token", token, ...args], { HOARD_DATA_DIR: mkdtempSync(join(tmpdir(), "hoard-obs-")), ...env })

/** The JSON log lines printed so far. */
const jsonLines = (running: Running): Array<Record<string, any>> =>
  running.output().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))

const stop = async (running: Running) => {
  running.child.kill("SIGTERM")
  expect(await running.exited).toBe(0)
}

describe("hoard serve: traces over OTLP from the OTEL_* env", () => {
  let receiver: OtlpReceiver
  beforeAll(async () => (receiver = await startOtlpReceiver()))
  afterAll(() => receiver.close())

  it("exports a span per request, continuing the caller's traceparent, as OTEL_SERVICE_NAME", async () => {
    const running = serve(["--storage", "memory"], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "hoard-cli-test",
      OTEL_BSP_SCHEDULE_DELAY: "100"
    })
    const [, url] = await waitFor(running, /TURBO_API=(\S+)/)
    expect(running.output()).toContain(`tracing: OTLP to ${receiver.url}/v1/traces as hoard-cli-test`)
    const traceId = randomBytes(16).toString("hex")
    const callerSpanId = randomBytes(8).toString("hex")
    const response = await fetch(`${url}/v8/artifacts/status?slug=traced`, { headers: { ...auth, traceparent: `00-${traceId}-${callerSpanId}-01` } })
    expect(response.status).toBe(200)
    const span = await receiver.waitForSpan((received) => received.traceId === traceId)
    expect(span).toMatchObject({
      serviceName: "hoard-cli-test",
      name: "GET /v8/artifacts/status",
      parentSpanId: callerSpanId,
      attributes: {
        "http.route": "/v8/artifacts/status",
        "http.response.status_code": 200,
        "hoard.request_id": response.headers.get("x-request-id")
      }
    })
    await stop(running)
  })
})

describe("hoard serve: logs and metrics", () => {
  it("writes JSON access lines when stdout is not a terminal, logs a 5xx under the id the client saw, serves metrics on --metrics-port only", async () => {
    const storage = join(mkdtempSync(join(tmpdir(), "hoard-obs-storage-")), "artifacts")
    const running = serve(["--storage", storage, "--metrics-port", "0"])
    const [, url] = await waitFor(running, /TURBO_API=(\S+)/)
    const [, metricsPort] = await waitFor(running, /metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics \(no auth\); tracing: off/)
    expect(running.output()).toContain("  logs: json, level info, access log on")

    const hash = randomHash()
    const uploaded = await put(`${url}/v8/artifacts/${hash}?slug=logs`, randomBytes(2048), auth)
    expect(uploaded.status).toBe(202)
    const uploadId = uploaded.headers.get("x-request-id")
    const accessLine = (await waitForLine(running, (line) => line.annotations?.requestId === uploadId && line.annotations?.route !== undefined))
    expect(accessLine).toMatchObject({
      level: "INFO",
      message: "PUT /v8/artifacts/:hash 202",
      annotations: { method: "PUT", route: "/v8/artifacts/:hash", status: 202, bytesIn: 2048, bytesOut: expect.any(Number), team: "logs", requestId: uploadId }
    })
    expect(accessLine.annotations.durationMs).toEqual(expect.any(Number))
    expect(accessLine.annotations.tokenName).toEqual(expect.any(String))
    expect(running.output()).not.toContain(token)

    // Storage breaks (its directory becomes a file): the 5xx's error line carries the id the client got.
    rmSync(storage, { recursive: true, force: true })
    writeFileSync(storage, "not a directory")
    const failed = await put(`${url}/v8/artifacts/${randomHash()}?slug=logs`, randomBytes(10), auth)
    expect(failed.status).toBeGreaterThanOrEqual(500)
    const failedId = failed.headers.get("x-request-id")
    const errorLine = await waitForLine(running, (line) => line.level === "ERROR" && line.annotations?.requestId === failedId)
    expect(JSON.stringify(errorLine)).toContain(storage)
    const failedAccess = await waitForLine(running, (line) => line.annotations?.requestId === failedId && line.annotations?.route !== undefined)
    expect(failedAccess.annotations.status).toBe(failed.status)

    expect((await fetch(`${url}/metrics`)).status).toBe(404)
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    expect(metrics).toMatch(/^hoard_http_requests_total\{method="PUT",route="\/v8\/artifacts\/:hash",status="202"\} 1$/mu)
    expect(metrics).toMatch(new RegExp(`^hoard_http_requests_total\\{method="PUT",route="/v8/artifacts/:hash",status="${failed.status}"\\} 1$`, "mu"))
    await stop(running)
  })

  it("--access-log off, --log-format pretty and --metrics-token", async () => {
    const metricsToken = "scrape-token-0123456789"
    const running = serve(["--storage", "memory", "--access-log", "off", "--log-format", "pretty", "--log-level", "debug"], {
      HOARD_METRICS_TOKEN: metricsToken
    })
    const [, url] = await waitFor(running, /TURBO_API=(\S+)/)
    expect(running.output()).toContain("metrics: /metrics with the metrics token; tracing: off")
    expect(running.output()).toContain("  logs: pretty, level debug, access log off")
    await waitFor(running, /DEBUG.*ready/u)
    expect((await fetch(`${url}/v8/artifacts/status`, { headers: auth })).status).toBe(200)
    expect((await fetch(`${url}/metrics`, { headers: auth })).status).toBe(401)
    const scraped = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    expect(scraped.status).toBe(200)
    expect(await scraped.text()).toMatch(/^hoard_http_requests_total\{method="GET",route="\/v8\/artifacts\/status",status="200"\} 1$/mu)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(jsonLines(running)).toEqual([])
    expect(running.output()).not.toContain("/v8/artifacts/status 200")
    expect(running.output()).not.toContain(metricsToken)
    await stop(running)
  })

  it("rejects a bad --log-format, --access-log or --otlp-endpoint in one line", async () => {
    for (const [args, message] of [
      [["--log-format", "xml"], /invalid --log-format "xml": a log format is one of json, pretty/],
      [["--access-log", "maybe"], /invalid --access-log "maybe": the access log is on or off/],
      [["--otlp-endpoint", "collector:4318"], /invalid --otlp-endpoint "collector:4318": an OTLP endpoint is an http:\/\/ or https:\/\/ base URL/]
    ] as const) {
      const running = serve(["--storage", "memory", ...args])
      expect(await running.exited).not.toBe(0)
      expect(running.output()).toMatch(message)
    }
  })
})

const waitForLine = async (
  running: Running,
  predicate: (line: Record<string, any>) => boolean,
  millis = 5_000
): Promise<Record<string, any>> => {
  const deadline = Date.now() + millis
  while (Date.now() < deadline) {
    const found = jsonLines(running).find(predicate)
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`no matching log line; output:\n${running.output()}`)
}
