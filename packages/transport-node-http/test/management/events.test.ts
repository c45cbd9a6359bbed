import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { TestServer } from "./harness.ts"
import { api, download, randomHash, sleep, startServer, teams, tokens, upload, usageEvents } from "./harness.ts"

interface Event {
  readonly id: string
  readonly event_type: string
  readonly created_at: string
  readonly team_id?: string
  readonly data: Record<string, unknown>
}

describe("GET /api/v1/teams/:team/events", () => {
  let server: TestServer
  const hash = randomHash()
  const missing = randomHash()
  let afterUpload = 0
  let afterDownloads = 0

  beforeAll(async () => {
    server = await startServer()
    // uploaded (started + stored), then downloaded twice, a miss, and two usage events.
    expect(await upload(server, teams.alpha.slug, hash, new Uint8Array(10), { "x-artifact-sha": "c0ffee" }, tokens.writer))
      .toBe(202)
    await sleep(5)
    afterUpload = Date.now()
    await sleep(5)
    expect((await download(server, teams.alpha.slug, hash, tokens.reader)).status).toBe(200)
    expect((await download(server, teams.alpha.slug, hash, tokens.reader)).status).toBe(200)
    expect((await download(server, teams.alpha.slug, missing, tokens.reader)).status).toBe(404)
    await sleep(5)
    afterDownloads = Date.now()
    await sleep(5)
    expect(await usageEvents(server, teams.alpha.slug, [
      { source: "REMOTE", event: "HIT", hash, duration: 400 },
      { source: "LOCAL", event: "MISS", hash: missing }
    ])).toBe(200)
    // Another team's activity, which must never show.
    expect(await upload(server, teams.beta.slug, randomHash(), new Uint8Array(3))).toBe(202)
  })
  afterAll(() => server.close())

  const list = (query = "", token: string = tokens.reader) =>
    api<{ events: Array<Event>; next_cursor: string | null }>(server, `/api/v1/teams/${teams.alpha.slug}/events${query}`, {
      token
    })

  it("lists the team's events newest first, with their details", async () => {
    const { body, status } = await list()
    expect(status).toBe(200)
    expect(body.next_cursor).toBeNull()
    expect(body.events.map((event) => event.event_type).sort()).toEqual([
      "artifact.downloaded",
      "artifact.downloaded",
      "artifact.missed",
      "artifact.upload_started",
      "artifact.uploaded",
      "usage.hit",
      "usage.miss"
    ])
    expect(body.events).toHaveLength(7)
    const times = body.events.map((event) => Date.parse(event.created_at))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
    expect(body.events.every((event) => event.team_id === teams.alpha.id)).toBe(true)
    const uploaded = body.events.find((event) => event.event_type === "artifact.uploaded")!
    expect(uploaded.data).toMatchObject({ hash, size: 10, sha: "c0ffee", token_name: "writer", method: "PUT" })
    const hit = body.events.find((event) => event.event_type === "usage.hit")!
    expect(hit.data).toMatchObject({ hash, source: "REMOTE", duration_ms: 400, session_id: "session-1" })
    // The oldest two are the upload's: they come last.
    expect(body.events.slice(-2).map((event) => event.event_type).sort()).toEqual([
      "artifact.upload_started",
      "artifact.uploaded"
    ])
  })

  it("pages through them with the cursor, each event once", async () => {
    const all = (await list()).body.events.map((event) => event.id)
    const seen: Array<string> = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = cursor === null ? "?limit=3" : `?limit=3&cursor=${encodeURIComponent(cursor)}`
      const { body, status } = await list(query)
      expect(status).toBe(200)
      expect(body.events.length).toBeLessThanOrEqual(3)
      seen.push(...body.events.map((event) => event.id))
      cursor = body.next_cursor
      pages++
    } while (cursor !== null && pages < 10)
    expect(pages).toBe(3)
    expect(seen).toEqual(all)
  })

  it("filters by type", async () => {
    const { body } = await list("?type=artifact.downloaded,artifact.missed")
    expect(body.events.map((event) => event.event_type).sort()).toEqual([
      "artifact.downloaded",
      "artifact.downloaded",
      "artifact.missed"
    ])
    const misses = (await list("?type=usage.miss")).body.events
    expect(misses).toHaveLength(1)
    expect(misses[0]!.data).toMatchObject({ hash: missing, source: "LOCAL" })
  })

  it("filters by a from/to window, in ms or ISO 8601", async () => {
    const between = await list(`?from=${afterUpload}&to=${afterDownloads}`)
    expect(between.body.events.map((event) => event.event_type).sort()).toEqual([
      "artifact.downloaded",
      "artifact.downloaded",
      "artifact.missed"
    ])
    const iso = await list(`?from=${new Date(afterUpload).toISOString()}&to=${new Date(afterDownloads).toISOString()}`)
    expect(iso.body.events.map((event) => event.id)).toEqual(between.body.events.map((event) => event.id))
    const before = await list(`?to=${afterUpload}`)
    expect(before.body.events.map((event) => event.event_type).sort()).toEqual([
      "artifact.upload_started",
      "artifact.uploaded"
    ])
    const future = await list(`?from=${Date.now() + 60_000}`)
    expect(future.body).toEqual({ events: [], next_cursor: null })
  })

  it("gets one event by id, and not another team's", async () => {
    const [newest] = (await list()).body.events
    const one = await api<Event>(server, `/api/v1/teams/${teams.alpha.id}/events/${newest!.id}`, { token: tokens.reader })
    expect(one.status).toBe(200)
    expect(one.body).toEqual(newest)
    const betaEvent = (await api<{ events: Array<Event> }>(server, `/api/v1/teams/${teams.beta.slug}/events`, {
      token: tokens.admin
    })).body.events[0]!
    const crossTeam = await api(server, `/api/v1/teams/${teams.alpha.slug}/events/${betaEvent.id}`, { token: tokens.admin })
    expect(crossTeam.status).toBe(404)
    expect(crossTeam.body.error_code).toBe("not_found")
  })

  it("records refused requests as auth.rejected", async () => {
    expect((await api(server, `/api/v1/teams/${teams.beta.slug}/events`, { token: tokens.reader })).status).toBe(403)
    const rejected = await api<{ events: Array<Event> }>(server, `/api/v1/teams/${teams.beta.slug}/events?type=auth.rejected`, {
      token: tokens.admin
    })
    expect(rejected.body.events[0]?.data).toMatchObject({ status: 403, token_name: "reader" })
  })
})
