import { request as httpRequest } from "node:http"
import type { ClientRequest } from "node:http"
import { randomBytes } from "node:crypto"
import { Effect, Layer, Schema, Stream } from "effect"
import { AccessConfig, ArtifactStorage, CacheIndex, IndexError, StorageError } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { MemoryStorage } from "@hoard/storage-memory"
import { startHoardServer } from "../../src/index.ts"
import type { NodeServerOptions, PromiseHoardOptions } from "../../src/index.ts"

/** Tokens, one per kind of grant. */
export const tokens = {
  admin: "admin-token-0123456789",
  writer: "writer-token-0123456789",
  reader: "reader-token-0123456789",
  betaOnly: "beta-only-token-0123456789",
  limited: "limited-token-0123456789"
} as const

export const teams = {
  alpha: { id: "team_alpha", slug: "alpha" },
  beta: { id: "team_beta", slug: "beta" }
} as const

export const access: AccessConfig = Schema.decodeUnknownSync(AccessConfig)({
  teams: [
    { id: teams.alpha.id, slug: teams.alpha.slug, name: "Alpha" },
    { id: teams.beta.id, slug: teams.beta.slug, name: "Beta" }
  ],
  tokens: [
    { name: "admin", token: tokens.admin, teams: { "*": "admin" } },
    { name: "writer", token: tokens.writer, teams: { alpha: "read-write" } },
    { name: "reader", token: tokens.reader, teams: { alpha: "read" } },
    { name: "beta-only", token: tokens.betaOnly, teams: { beta: "admin" } },
    { name: "limited", token: tokens.limited, teams: { alpha: "read" }, rateLimit: { requests: 2, per: "1 minute" } }
  ]
})

/** Makes storage fail on demand, as a backend outage would. */
export interface StorageSwitch {
  down: boolean
}

/** Memory storage whose reads and listings fail while `down` is set. */
export const switchableStorage = (state: StorageSwitch): Layer.Layer<ArtifactStorage> =>
  Layer.sync(ArtifactStorage, () => {
    const inner = MemoryStorage.make()
    const outage = (operation: "get" | "head" | "delete" | "list") =>
      new StorageError({ operation, message: "the backend is unreachable (simulated)" })
    return ArtifactStorage.of({
      ...inner,
      get: (key) => state.down ? Effect.fail(outage("get")) : inner.get(key),
      head: (key) => state.down ? Effect.fail(outage("head")) : inner.head(key),
      delete: (key) => state.down ? Effect.fail(outage("delete")) : inner.delete(key),
      list: (options) => Stream.unwrap(Effect.sync(() => state.down ? Stream.fail(outage("list")) : inner.list(options)))
    })
  })

/** The SQLite index in memory, whose every operation fails while `down` is set, as a database outage would. */
export const switchableIndex = (state: { down: boolean }): Layer.Layer<CacheIndex, IndexError> =>
  Layer.effect(CacheIndex, Effect.gen(function*() {
    const inner = yield* CacheIndex
    const gate = <A, E>(operation: string, effect: Effect.Effect<A, E>): Effect.Effect<A, E | IndexError> =>
      Effect.suspend((): Effect.Effect<A, E | IndexError> =>
        state.down ? Effect.fail(new IndexError({ operation, message: "connection refused (simulated)" })) : effect
      )
    return CacheIndex.of({
      ...inner,
      write: (batch) => gate("write", inner.write(batch)),
      listArtifacts: (query) => gate("listArtifacts", inner.listArtifacts(query)),
      getArtifact: (...args) => gate("getArtifact", inner.getArtifact(...args)),
      listEvents: (query) => gate("listEvents", inner.listEvents(query)),
      getEvent: (...args) => gate("getEvent", inner.getEvent(...args)),
      analytics: (...args) => gate("analytics", inner.analytics(...args)),
      usage: (teamId) => gate("usage", inner.usage(teamId)),
      retentionStats: (teamId) => gate("retentionStats", inner.retentionStats(teamId)),
      evictionCandidates: (query) => gate("evictionCandidates", inner.evictionCandidates(query)),
      tryLease: (...args) => gate("tryLease", inner.tryLease(...args))
    })
  })).pipe(Layer.provide(SqliteIndex.layer({ filename: ":memory:" })))

export interface TestServer {
  readonly url: string
  readonly close: () => Promise<void>
}

/** A Hoard server on a loopback port with the test teams and tokens. */
export const startServer = async (
  options: Partial<PromiseHoardOptions<never, unknown> & NodeServerOptions> = {}
): Promise<TestServer> => {
  const server = await startHoardServer({ storage: MemoryStorage.layer(), access, port: 0, ...options })
  return { url: server.url, close: server.close }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

export interface JsonResponse<T = any> {
  readonly status: number
  readonly headers: Headers
  readonly body: T
}

/** A management API request; the body parsed as JSON when there is one. */
export const api = async <T = any>(
  server: TestServer,
  path: string,
  options: { readonly token?: string | undefined; readonly method?: string; readonly headers?: Record<string, string> } = {}
): Promise<JsonResponse<T>> => {
  const response = await fetch(`${server.url}${path}`, {
    method: options.method ?? "GET",
    headers: { ...(options.token === undefined ? {} : bearer(options.token)), ...options.headers }
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
}

export const randomHash = (): string => randomBytes(8).toString("hex")

/** `PUT /v8/artifacts/:hash` as turbo sends it. */
export const upload = async (
  server: TestServer,
  team: string,
  hash: string,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
  token: string = tokens.admin
): Promise<number> => {
  const response = await fetch(`${server.url}/v8/artifacts/${hash}?slug=${team}`, {
    method: "PUT",
    headers: { ...bearer(token), "content-type": "application/octet-stream", "x-artifact-duration": "1234", ...headers },
    body
  })
  await response.arrayBuffer()
  return response.status
}

/** `GET /v8/artifacts/:hash`: the status and the body's size. */
export const download = async (
  server: TestServer,
  team: string,
  hash: string,
  token: string = tokens.admin
): Promise<{ readonly status: number; readonly size: number }> => {
  const response = await fetch(`${server.url}/v8/artifacts/${hash}?slug=${team}`, { headers: bearer(token) })
  return { status: response.status, size: (await response.arrayBuffer()).byteLength }
}

/** `POST /v8/artifacts/events`. */
export const usageEvents = async (
  server: TestServer,
  team: string,
  events: ReadonlyArray<{ source: "LOCAL" | "REMOTE"; event: "HIT" | "MISS"; hash: string; duration?: number }>,
  token: string = tokens.admin
): Promise<number> => {
  const response = await fetch(`${server.url}/v8/artifacts/events?slug=${team}`, {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: JSON.stringify(events.map((event) => ({ sessionId: "session-1", ...event })))
  })
  await response.arrayBuffer()
  return response.status
}

/**
 * Starts an upload whose body never completes: the server has begun it
 * (`artifact.upload_started`) and waits for the rest. `abort` cuts it off.
 */
export const hangingUpload = (
  server: TestServer,
  team: string,
  hash: string,
  token: string = tokens.admin
): { readonly abort: () => void; readonly request: ClientRequest } => {
  const request = httpRequest(`${server.url}/v8/artifacts/${hash}?slug=${team}`, {
    method: "PUT",
    headers: { ...bearer(token), "content-type": "application/octet-stream", "content-length": String(1024 * 1024) }
  })
  request.on("error", () => {})
  request.write(randomBytes(16 * 1024))
  return { request, abort: () => request.destroy() }
}

export const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/**
 * Polls until `check` returns something other than undefined (or fails after
 * `timeoutMs`, with `lastSeen` in the message when given). The default is
 * generous: CI shares two cores among many test files, and a condition met
 * early costs nothing.
 */
export const eventually = async <T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  lastSeen?: () => unknown
): Promise<T> => {
  const started = Date.now()
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs) {
      throw new Error(`condition not met in ${timeoutMs} ms${lastSeen === undefined ? "" : `; last seen: ${JSON.stringify(lastSeen())}`}`)
    }
    await sleep(25)
  }
}

/** What every management error body looks like. */
export const expectErrorBody = (
  response: JsonResponse,
  status: number,
  errorCode: string
): { readonly details: any; readonly message: string } => {
  const { body } = response
  if (response.status !== status || body?.error_code !== errorCode) {
    throw new Error(`expected ${status} ${errorCode}, got ${response.status} ${JSON.stringify(body)}`)
  }
  const keys = Object.keys(body).sort()
  if (JSON.stringify(keys) !== JSON.stringify(["details", "error_code", "message", "request_id"])) {
    throw new Error(`unexpected error body keys: ${keys.join(", ")}`)
  }
  if (typeof body.message !== "string" || body.message === "") throw new Error("empty message")
  if (body.request_id !== response.headers.get("x-request-id")) {
    throw new Error(`request_id ${body.request_id} is not the x-request-id ${response.headers.get("x-request-id")}`)
  }
  return { details: body.details, message: body.message }
}
