import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { TestServer } from "./harness.ts"
import {
  api,
  bearer,
  download,
  eventually,
  expectErrorBody,
  randomHash,
  startServer,
  switchableIndex,
  switchableStorage,
  teams,
  tokens,
  upload
} from "./harness.ts"

describe("management API errors: one body, the right status", () => {
  const storage = { down: false }
  const index = { down: false }
  let server: TestServer
  beforeAll(async () => {
    server = await startServer({ storage: switchableStorage(storage), index: switchableIndex(index) })
  })
  afterAll(() => server.close())

  const events = `/api/v1/teams/${teams.alpha.slug}/events`
  /** Every management read, one artifact's included. */
  const readPaths = (hash: string) => [
    events,
    `/api/v1/teams/${teams.alpha.slug}/analytics`,
    `/api/v1/teams/${teams.alpha.slug}/artifacts`,
    `/api/v1/teams/${teams.alpha.slug}/artifacts/${hash}`
  ]

  it("400 names the bad query parameter", async () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      [`${events}?limit=0`, "limit"],
      [`${events}?limit=501`, "limit"],
      [`${events}?limit=ten`, "limit"],
      [`${events}?from=yesterday`, "from"],
      [`${events}?to=2026-13-45T00:00:00Z`, "to"],
      [`${events}?type=usage.hit,usage.bogus`, "type"],
      [`${events}?cursor=not-a-cursor`, "cursor"],
      [`${events}?from=2000&to=1000`, "to"],
      [`/api/v1/teams/${teams.alpha.slug}/artifacts?status=lost`, "status"],
      [`/api/v1/teams/${teams.alpha.slug}/artifacts?cursor=zzz`, "cursor"],
      [`/api/v1/teams/${teams.alpha.slug}/analytics?from=soon`, "from"]
    ]
    for (const [path, field] of cases) {
      const { details, message } = expectErrorBody(await api(server, path, { token: tokens.admin }), 400, "bad_request")
      expect(details, path).toMatchObject({ field, location: "query" })
      expect(message, path).toContain(field)
    }
  })

  it("400 names a bad path parameter", async () => {
    const response = await api(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/bad.hash`, { token: tokens.admin })
    expect(expectErrorBody(response, 400, "bad_request").details).toMatchObject({ field: "hash", location: "path" })
    const badTeam = await api(server, "/api/v1/teams/.hidden/events", { token: tokens.admin })
    expect(expectErrorBody(badTeam, 400, "bad_request").details).toMatchObject({ field: "team", location: "path" })
  })

  it("401 without a token or with a wrong one", async () => {
    expectErrorBody(await api(server, events), 401, "unauthorized")
    expectErrorBody(await api(server, events, { token: "not-a-token-at-all-0000" }), 401, "unauthorized")
    expectErrorBody(await api(server, events, { headers: { authorization: "Basic abc" } }), 401, "unauthorized")
  })

  it("403 for a team the token has no scope on, an unknown team, and a missing permission", async () => {
    const other = await api(server, `/api/v1/teams/${teams.beta.slug}/events`, { token: tokens.reader })
    expect(expectErrorBody(other, 403, "forbidden").message).toContain("reader")
    expectErrorBody(await api(server, "/api/v1/teams/nobody/events", { token: tokens.admin }), 403, "forbidden")
    const remove = await api(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/${randomHash()}`, {
      token: tokens.reader,
      method: "DELETE"
    })
    expectErrorBody(remove, 403, "forbidden")
  })

  it("the team may be named by id or slug", async () => {
    expect((await api(server, `/api/v1/teams/${teams.alpha.id}/events`, { token: tokens.reader })).status).toBe(200)
    expect((await api(server, `/api/v1/teams/${teams.alpha.slug}/events`, { token: tokens.reader })).status).toBe(200)
  })

  it("404 for an unknown event, artifact or route", async () => {
    expectErrorBody(await api(server, `${events}/no-such-event`, { token: tokens.admin }), 404, "not_found")
    const artifact = await api(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/${randomHash()}`, { token: tokens.admin })
    expectErrorBody(artifact, 404, "not_found")
    const removed = await api(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/${randomHash()}`, {
      token: tokens.admin,
      method: "DELETE"
    })
    expectErrorBody(removed, 404, "not_found")
  })

  it("429 once the token's budget is used up, with retry-after and rate-limit headers", async () => {
    const first = await api(server, events, { token: tokens.limited })
    expect(first.status).toBe(200)
    expect(first.headers.get("x-ratelimit-limit")).toBe("2")
    await api(server, events, { token: tokens.limited })
    const limited = await api(server, events, { token: tokens.limited })
    expectErrorBody(limited, 429, "rate_limited")
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0")
  })

  it("reads come from the index: they answer while storage is down; a delete needs storage (503)", async () => {
    const hash = randomHash()
    expect(await upload(server, teams.alpha.slug, hash, new Uint8Array([1, 2, 3]))).toBe(202)
    storage.down = true
    try {
      for (const path of readPaths(hash)) {
        expect((await api(server, path, { token: tokens.admin })).status, path).toBe(200)
      }
      const remove = await api(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/${hash}`, {
        token: tokens.admin,
        method: "DELETE"
      })
      expectErrorBody(remove, 503, "storage_unavailable")
    } finally {
      storage.down = false
    }
  })

  it("503 index_unavailable while the index is down; /v8 goes on, and what it did is in the index once it is back", async () => {
    const hash = randomHash()
    index.down = true
    try {
      for (const path of readPaths(hash)) {
        const { message } = expectErrorBody(await api(server, path, { token: tokens.admin }), 503, "index_unavailable")
        expect(message).not.toContain("refused")
      }
      // The turbo protocol never answers 5xx because of the index.
      expect(await upload(server, teams.alpha.slug, hash, new Uint8Array([4, 5, 6]))).toBe(202)
      expect(await download(server, teams.alpha.slug, hash)).toEqual({ status: 200, size: 3 })
      const status = await fetch(`${server.url}/v8/artifacts/status?slug=${teams.alpha.slug}`, { headers: bearer(tokens.admin) })
      expect(status.status).toBe(200)
    } finally {
      index.down = false
    }
    // The writer kept the writes and retries them: the upload and the download show up.
    const record = await eventually(async () => {
      const response = await api(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/${hash}`, { token: tokens.admin })
      return response.status === 200 && response.body.hit_count === 1 ? response.body : undefined
    }, 10_000)
    expect(record).toMatchObject({ hash, status: "success", size: 3, hit_count: 1 })
  })

  it("keeps an incoming x-request-id in the body", async () => {
    const response = await api(server, events, { headers: { "x-request-id": "trace-42" } })
    expect(expectErrorBody(response, 401, "unauthorized")).toBeDefined()
    expect(response.body.request_id).toBe("trace-42")
  })

  it("leaves the /v8 error body as turbo reads it", async () => {
    const response = await fetch(`${server.url}/v8/artifacts/${randomHash()}?slug=${teams.alpha.slug}`, {
      headers: bearer("not-a-token-at-all-0000")
    })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } })
  })
})
