import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { TestServer } from "./harness.ts"
import { api, download, randomHash, sleep, startServer, teams, tokens, upload, usageEvents } from "./harness.ts"

describe("GET /api/v1/teams/:team/analytics", () => {
  let server: TestServer
  const [a, b, c, d] = [randomHash(), randomHash(), randomHash(), randomHash()]
  let started = 0
  let uploadsDone = 0

  beforeAll(async () => {
    server = await startServer()
    started = Date.now()
    await sleep(5)
    // Two uploads: 100 + 250 bytes; `a` is uploaded twice (an overwrite counts as an upload).
    expect(await upload(server, teams.alpha.slug, a, new Uint8Array(100))).toBe(202)
    expect(await upload(server, teams.alpha.slug, b, new Uint8Array(250))).toBe(202)
    expect(await upload(server, teams.alpha.slug, a, new Uint8Array(100))).toBe(202)
    await sleep(5)
    uploadsDone = Date.now()
    await sleep(5)
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
      artifact_count: 2,
      storage_bytes: 350
    })
  })

  it("covers the last 30 days by default", async () => {
    const { body } = await analytics()
    const to = Date.parse(body.to)
    expect(Math.abs(to - Date.now())).toBeLessThan(5000)
    expect(to - Date.parse(body.from)).toBe(30 * 24 * 60 * 60 * 1000)
  })

  it("counts only the window's events; storage is what is stored now", async () => {
    const uploadsOnly = await analytics(`?from=${started}&to=${new Date(uploadsDone).toISOString()}`)
    expect(uploadsOnly.body).toMatchObject({
      from: new Date(started).toISOString(),
      to: new Date(uploadsDone).toISOString(),
      hits: { local: 0, remote: 0 },
      misses: { local: 0, remote: 0 },
      hit_rate: { local: null, remote: null },
      time_saved_ms: 0,
      uploads: 3,
      bytes_uploaded: 450,
      downloads: 0,
      bytes_downloaded: 0,
      artifact_count: 2,
      storage_bytes: 350
    })
    const afterUploads = await analytics(`?from=${uploadsDone}`)
    expect(afterUploads.body).toMatchObject({ uploads: 0, downloads: 3, time_saved_ms: 1200 })
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
