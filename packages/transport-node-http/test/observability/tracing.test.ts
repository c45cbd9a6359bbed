import { randomBytes } from "node:crypto"
import { Effect, Exit, Layer, Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Hoard, Tracing } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { MemoryStorage } from "@hoard/storage-memory"
import { put, randomHash, startOtlpReceiver } from "@hoard/transport-testkit"
import type { OtlpReceiver, ReceivedSpan } from "@hoard/transport-testkit"
import { serve } from "../../src/index.ts"

const token = "trace-token-0123456789"
const auth = { authorization: `Bearer ${token}` }
const serverKind = 2 // SPAN_KIND_SERVER in OTLP

/** A route beside Hoard's whose handler runs a span of its own, as storage and index operations do. */
const ChildSpanRoute = HttpRouter.add(
  "GET",
  "/traced/:name",
  Effect.succeed(HttpServerResponse.text("traced")).pipe(Effect.withSpan("test.child", { attributes: { "test.step": "inner" } }))
)

describe("per-request traces, exported over OTLP/HTTP to a receiver on loopback", () => {
  const scope = Scope.makeUnsafe()
  let receiver: OtlpReceiver
  let base: string

  beforeAll(async () => {
    receiver = await startOtlpReceiver()
    const services = await Effect.runPromise(Layer.buildWithScope(
      Layer.mergeAll(
        Hoard.layer({
          storage: MemoryStorage.layer(),
          index: SqliteIndex.layer({ filename: ":memory:" }),
          tokens: [token],
          reconcile: false
        }),
        Tracing.layerOtlp({ url: `${receiver.url}/v1/traces`, serviceName: "hoard-under-test", exportInterval: "50 millis" })
      ),
      scope
    ))
    const server = await Effect.runPromise(
      serve({ port: 0, basePath: "/cache", routes: ChildSpanRoute }).pipe(Effect.provideContext(services), Scope.provide(scope))
    )
    base = server.url
  })
  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await receiver.close()
  })

  const spanOf = (requestId: string) => receiver.waitForSpan((span) => span.attributes["hoard.request_id"] === requestId)

  it("names the span after the route template and carries method, route, status, team, request id and bytes", async () => {
    const hash = randomHash()
    const body = randomBytes(1234)
    const uploaded = await put(`${base}/v8/artifacts/${hash}?slug=tracers`, body, auth)
    expect(uploaded.status).toBe(202)
    const upload = await spanOf(uploaded.headers.get("x-request-id")!)
    expect(upload).toMatchObject({
      serviceName: "hoard-under-test",
      name: "PUT /v8/artifacts/:hash",
      kind: serverKind,
      parentSpanId: undefined,
      attributes: {
        "http.request.method": "PUT",
        "http.route": "/v8/artifacts/:hash",
        "http.response.status_code": 202,
        "http.request.body.size": 1234,
        "hoard.team": "tracers",
        "hoard.token_name": expect.any(String)
      }
    })

    const downloaded = await fetch(`${base}/v8/artifacts/${hash}?slug=tracers`, { headers: auth })
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(body)).toBe(true)
    const download = await spanOf(downloaded.headers.get("x-request-id")!)
    expect(download.name).toBe("GET /v8/artifacts/:hash")
    expect(download.attributes).toMatchObject({ "http.response.status_code": 200, "http.response.body.size": 1234 })
    // The route template, never the raw URL with its hash.
    expect(JSON.stringify(download.attributes["http.route"])).not.toContain(hash)
  })

  it("continues an incoming W3C traceparent: same trace id, the caller's span as parent", async () => {
    const traceId = randomBytes(16).toString("hex")
    const callerSpanId = randomBytes(8).toString("hex")
    const response = await fetch(`${base}/v8/artifacts/${randomHash()}?slug=tracers`, {
      headers: { ...auth, traceparent: `00-${traceId}-${callerSpanId}-01` }
    })
    expect(response.status).toBe(404)
    const span = await spanOf(response.headers.get("x-request-id")!)
    expect(span.traceId).toBe(traceId)
    expect(span.parentSpanId).toBe(callerSpanId)
    expect(span.attributes["http.response.status_code"]).toBe(404)
  })

  it("is the parent of the spans run inside the request", async () => {
    const response = await fetch(`${base}/traced/one`)
    expect(await response.text()).toBe("traced")
    const request = await spanOf(response.headers.get("x-request-id")!)
    expect(request.name).toBe("GET /traced/:name")
    const child = await receiver.waitForSpan((span) => span.name === "test.child")
    expect(child.traceId).toBe(request.traceId)
    expect(child.parentSpanId).toBe(request.spanId)
    expect(child.attributes["test.step"]).toBe("inner")
  })

  it("shows the storage and index calls of a request as its children", async () => {
    const hash = randomHash()
    const uploaded = await put(`${base}/v8/artifacts/${hash}?slug=tracers`, randomBytes(100), auth)
    expect(uploaded.status).toBe(202)
    const upload = await spanOf(uploaded.headers.get("x-request-id")!)
    const storagePut = await receiver.waitForSpan((span) =>
      span.name === "storage.put" && span.attributes["hoard.artifact.hash"] === hash
    )
    expect(storagePut.parentSpanId).toBe(upload.spanId)
    expect(storagePut.attributes["hoard.storage.backend"]).toBe("memory")
    // A management read asks the index, under the request's span.
    const listed = await fetch(`${base}/api/v1/teams/tracers/artifacts`, { headers: auth })
    expect(listed.status).toBe(200)
    const list = await spanOf(listed.headers.get("x-request-id")!)
    const indexRead = await receiver.waitForSpan((span) => span.name === "index.listArtifacts" && span.traceId === list.traceId)
    expect(indexRead.parentSpanId).not.toBeUndefined()
  })

  it("names an unmatched request by its method and route `unmatched`; probes make no span", async () => {
    const probe = await fetch(`${base}/healthz`)
    expect(probe.status).toBe(200)
    const probeId = probe.headers.get("x-request-id")!
    const missing = await fetch(`${base}/no/such/route`)
    expect(missing.status).toBe(404)
    const span = await spanOf(missing.headers.get("x-request-id")!)
    expect(span).toMatchObject({ name: "GET", attributes: { "http.route": "unmatched", "http.response.status_code": 404 } })
    // Exports arrive in order: the probe, answered first, would be here by now.
    expect(receiver.spans().some((received: ReceivedSpan) => received.attributes["hoard.request_id"] === probeId)).toBe(false)
  })
})
