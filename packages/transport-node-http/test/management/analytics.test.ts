import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { TestServer } from "./harness.ts"
import { api, download, expectErrorBody, randomHash, sleep, startServer, teams, tokens, upload, usageEvents } from "./harness.ts"

describe("GET /api/v1/teams/:team/analytics", () => {
  let server: TestServer
  const [a, b, c, d] = [randomHash(), randomHash(), randomHash(), randomHash()]
  let started = 0
  const hourMs = 60 * 60 * 1000

  beforeAll(async () => {
    server = await startServer()
    started = Date.now()
    await sleep(5)
    // Two uploads: 100 + 250 bytes; `a` is uploaded twice (an overwrite counts as an upload).
    expect(await upload(server, teams.alpha.slug, a, new Uint8Array(100))).toBe(202)
    expect(await upload(server, teams.alpha.slug, b, new Uint8Array(250))).toBe(202)
    expect(await upload(server, teams.alpha.slug, a, new Uint8Array(100))).toBe(202)
    // Three hits (100 + 100 + 250 bytes downloaded) and two misses (never counted as downloads).
    expect((await download(server, teams.alpha.slug, a)).size).toBe(100)
    expect((await download(server, teams.alpha.slug, a)).size).toBe(100)
    expect((await download(server, teams.alpha.slug, b)).size).toBe(250)
    expect((await download(server, teams.alpha.slug, c)).status).toBe(404)
    expect((await download(server, teams.alpha.slug, d)).status).toBe(404)
    // What turbo reports: remote hits save their durations, local hits do not count as time saved.
    expect(await usageEvents(server, teams.alpha.slug, [
      { source: "REMOTE", event: "HIT", hash: a, duration: 500 },
      { source: "REMOTE", event: "HIT", hash: b, duration: 700 },
      { source: "REMOTE", event: "MISS", hash: c },
      { source: "LOCAL", event: "HIT", hash: a, duration: 300 },
      { source: "LOCAL", event: "MISS", hash: c },
      { source: "LOCAL", event: "MISS", hash: d },
      { source: "LOCAL", event: "MISS", hash: b }
    ])).toBe(200)
    // Another team's traffic must not count.
    expect(await upload(server, teams.beta.slug, randomHash(), new Uint8Array(999))).toBe(202)
    expect(await usageEvents(server, teams.beta.slug, [{ source: "REMOTE", event: "HIT", hash: a, duration: 9999 }]))
      .toBe(200)
  })
  afterAll(() => server.close())

  const analytics = (query = "") =>
    api(server, `/api/v1/teams/${teams.alpha.slug}/analytics${query}`, { token: tokens.reader })

  it("summarizes the scripted traffic exactly", async () => {
    const { body, status } = await analytics()
    expect(status).toBe(200)
    expect(body).toEqual({
      team_id: teams.alpha.id,
      from: expect.any(String),
      to: expect.any(String),
      hits: { local: 1, remote: 2 },
      misses: { local: 3, remote: 1 },
      hit_rate: { local: 0.25, remote: 2 / 3 },
      time_saved_ms: 1200,
      uploads: 3,
      downloads: 3,
      bytes_uploaded: 450,
      bytes_downloaded: 450,
      rejected_requests: 0,
      artifact_count: 2,
      storage_bytes: 350
    })
  })

  it("counts requests refused for auth", async () => {
    const refused = await api(server, `/api/v1/teams/${teams.alpha.slug}/analytics`, { token: "not-a-token-0123456789" })
    expect(refused.status).toBe(401)
    const forbidden = await api(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/${a}`, { method: "DELETE", token: tokens.reader })
    expect(forbidden.status).toBe(403)
    // The 401 named no team it could use: only the 403 counts for alpha.
    expect((await analytics()).body.rejected_requests).toBe(1)
  })

  it("covers the last 30 days by default", async () => {
    const { body } = await analytics()
    const to = Date.parse(body.to)
    expect(Math.abs(to - Date.now())).toBeLessThan(5000)
    // Counted in whole hours: `from` is rounded down to the hour.
    const from = Date.parse(body.from)
    expect(from % hourMs).toBe(0)
    expect(to - from).toBeGreaterThanOrEqual(30 * 24 * hourMs)
    expect(to - from).toBeLessThan(30 * 24 * hourMs + hourMs)
  })

  it("counts whole hours of the window; storage is what is stored now", async () => {
    const startHour = Math.floor(started / hourMs) * hourMs
    const covering = await analytics(`?from=${started}&to=${new Date(Date.now() + 1000).toISOString()}`)
    expect(covering.body).toMatchObject({
      from: new Date(startHour).toISOString(),
      uploads: 3,
      bytes_uploaded: 450,
      downloads: 3,
      time_saved_ms: 1200
    })
    // Every event happened in or after the hour the traffic started: a window ending there holds none.
    const before = await analytics(`?from=${startHour - 24 * hourMs}&to=${new Date(startHour).toISOString()}`)
    expect(before.body).toMatchObject({
      hits: { local: 0, remote: 0 },
      misses: { local: 0, remote: 0 },
      hit_rate: { local: null, remote: null },
      time_saved_ms: 0,
      uploads: 0,
      downloads: 0,
      artifact_count: 2,
      storage_bytes: 350
    })
  })

  it("splits the window into buckets with ?bucket=, empty ones included", async () => {
    const startHour = Math.floor(started / hourMs) * hourMs
    const from = startHour - 3 * hourMs
    const { body, status } = await analytics(`?from=${from}&to=${startHour + hourMs}&bucket=hour`)
    expect(status).toBe(200)
    expect(body.buckets.map((bucket: { start: string }) => bucket.start)).toEqual(
      [0, 1, 2, 3].map((hour) => new Date(from + hour * hourMs).toISOString())
    )
    // The traffic's hour holds everything; the hours before are empty, with no hit rate.
    expect(body.buckets[3]).toEqual({
      start: new Date(startHour).toISOString(),
      hits: { local: 1, remote: 2 },
      misses: { local: 3, remote: 1 },
      hit_rate: { local: 0.25, remote: 2 / 3 },
      time_saved_ms: 1200,
      uploads: 3,
      downloads: 3,
      bytes_uploaded: 450,
      bytes_downloaded: 450,
      rejected_requests: expect.any(Number)
    })
    expect(body.buckets[0]).toMatchObject({ uploads: 0, time_saved_ms: 0, hit_rate: { local: null, remote: null } })
    const daily = await analytics(`?from=${startHour - 2 * 24 * hourMs}&to=${startHour + hourMs}&bucket=day`)
    expect(daily.body.buckets).toHaveLength(3)
    expect(daily.body.buckets[2]).toMatchObject({ uploads: 3, time_saved_ms: 1200 })
    // Without `bucket`, no buckets.
    expect((await analytics()).body.buckets).toBeUndefined()
  })

  it("refuses an unknown bucket and more than 1,000 buckets with a 400", async () => {
    expect(expectErrorBody(await analytics("?bucket=minute"), 400, "bad_request").details).toMatchObject({ field: "bucket" })
    // The default window of 30 days (from rounded down to the hour) holds 721 hours: fine; a year of hours is not.
    expect([720, 721]).toContain((await analytics("?bucket=hour")).body.buckets.length)
    const tooMany = expectErrorBody(await analytics(`?from=${Date.now() - 365 * 24 * hourMs}&bucket=hour`), 400, "bad_request")
    expect(tooMany.details).toMatchObject({ field: "bucket", location: "query" })
    expect(tooMany.message).toContain("at most 1000")
  })

  it("is per team", async () => {
    const beta = await api(server, `/api/v1/teams/${teams.beta.id}/analytics`, { token: tokens.betaOnly })
    expect(beta.body).toMatchObject({
      team_id: teams.beta.id,
      hits: { local: 0, remote: 1 },
      time_saved_ms: 9999,
      uploads: 1,
      bytes_uploaded: 999,
      artifact_count: 1,
      storage_bytes: 999
    })
  })
})
