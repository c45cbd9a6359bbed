import { join } from "node:path"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RetentionServer } from "./harness.ts"
import {
  api,
  artifact,
  diskUsage,
  eventually,
  expectErrorBody,
  get,
  hashes,
  postJson,
  put,
  retention,
  startRetentionServer,
  tempDir,
  teams,
  tokens
} from "./harness.ts"

const shaA = "a".repeat(40)
const shaB = "b".repeat(40)

describe("purges: POST /api/v1/teams/:team/purges", () => {
  let server: RetentionServer
  const directory = tempDir("purge")
  const asTestServer = () => ({ url: server.url, close: server.close })
  beforeAll(async () => {
    server = await startRetentionServer({
      storage: FsStorage.layer({ directory }),
      index: SqliteIndex.layer({ filename: join(tempDir("purge-index"), "hoard.db") })
    })
  })
  afterAll(() => server.close())

  const uploadAll = async (team: string, list: ReadonlyArray<string>, sha: string) => {
    for (const hash of list) expect((await put(server.url, team, hash, artifact(1000), { "x-artifact-sha": sha })).status).toBe(202)
  }
  /** Waits until the index has the team's records (a purge by commit finds them there). */
  const indexed = (team: string, count: number) =>
    eventually(async () => (await retention(server.url, team)).artifact_count === count || undefined)
  const finished = (team: string, id: string) =>
    eventually(async () => {
      const job = await api(asTestServer(), `/api/v1/teams/${team}/purges/${id}`, { token: tokens.admin })
      expect(job.status).toBe(200)
      return job.body.status === "running" ? undefined : job.body
    }, 10_000)

  it("purges one commit's artifacts of the team, and only those", async () => {
    const [ofA, ofB, betaOfA] = [hashes(5), hashes(3), hashes(2)]
    await uploadAll(teams.alpha.slug, ofA, shaA)
    await uploadAll(teams.alpha.slug, ofB, shaB)
    await uploadAll(teams.beta.slug, betaOfA, shaA)
    await indexed(teams.alpha.slug, 8)
    await indexed(teams.beta.slug, 2)

    const started = await postJson(server.url, `/api/v1/teams/${teams.alpha.slug}/purges`, { sha: shaA })
    expect(started.status).toBe(202)
    expect(started.body).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{24}$/), team_id: teams.alpha.id, sha: shaA })
    expect(["running", "done"]).toContain(started.body.status)

    const job = await finished(teams.alpha.slug, started.body.id)
    expect(job).toMatchObject({
      id: started.body.id,
      status: "done",
      sha: shaA,
      deleted: ofA.length,
      deleted_bytes: ofA.length * 1000,
      error: null,
      finished_at: expect.any(String)
    })
    for (const hash of ofA) expect((await get(server.url, teams.alpha.slug, hash)).status).toBe(404)
    for (const hash of ofB) expect((await get(server.url, teams.alpha.slug, hash)).status).toBe(200)
    for (const hash of betaOfA) expect((await get(server.url, teams.beta.slug, hash)).status).toBe(200)
    expect(diskUsage(join(directory, teams.alpha.id)).files).toBe(ofB.length)

    // The request is in the activity record, naming the job.
    const events = await api(asTestServer(), `/api/v1/teams/${teams.alpha.slug}/events?type=purge.requested`, { token: tokens.admin })
    expect(events.status).toBe(200)
    expect(events.body.events).toHaveLength(1)
    expect(events.body.events[0]).toMatchObject({ event_type: "purge.requested", data: { purge_id: started.body.id, sha: shaA } })

    // A purge is not an eviction.
    expect((await retention(server.url, teams.alpha.slug)).evicted).toEqual({ count: 0, bytes: 0 })
    // The records went too: usage follows.
    await eventually(async () => (await retention(server.url, teams.alpha.slug)).artifact_count === ofB.length || undefined)

    // Run again, a purge finds nothing left.
    const again = await postJson(server.url, `/api/v1/teams/${teams.alpha.slug}/purges`, { sha: shaA })
    expect(again.status).toBe(202)
    expect(await finished(teams.alpha.slug, again.body.id)).toMatchObject({ status: "done", deleted: 0 })
  })

  it("refuses a token without admin scope with 403", async () => {
    const path = `/api/v1/teams/${teams.alpha.slug}/purges`
    expectErrorBody(await postJson(server.url, path, { sha: shaA }, tokens.writer), 403, "forbidden")
  })

  it("answers a bad body with 400 and the management error body", async () => {
    const path = `/api/v1/teams/${teams.alpha.slug}/purges`
    for (const body of [{}, { sha: "" }, { all: false }, { sha: 42 }, "not json"]) {
      const response = await postJson(server.url, path, body)
      expect({ body, status: response.status, error_code: response.body?.error_code })
        .toEqual({ body, status: 400, error_code: "bad_request" })
      expectErrorBody(response, 400, "bad_request")
    }
  })

  it("404 for an unknown job and for another team's", async () => {
    const path = `/api/v1/teams/${teams.alpha.slug}/purges`
    expectErrorBody(await api(asTestServer(), `${path}/${"0".repeat(24)}`, { token: tokens.admin }), 404, "not_found")
    expectErrorBody(await api(asTestServer(), `${path}/not-an-id`, { token: tokens.admin }), 400, "bad_request")
    const beta = await postJson(server.url, `/api/v1/teams/${teams.beta.slug}/purges`, { sha: "c".repeat(40) })
    expect(beta.status).toBe(202)
    expectErrorBody(await api(asTestServer(), `${path}/${beta.body.id}`, { token: tokens.admin }), 404, "not_found")
    expect((await api(asTestServer(), `/api/v1/teams/${teams.beta.slug}/purges/${beta.body.id}`, { token: tokens.admin })).status).toBe(200)
  })

  it("{all: true} removes every artifact of the team and no other team's", async () => {
    const alpha = hashes(6)
    const beta = hashes(3)
    await uploadAll(teams.alpha.slug, alpha, shaB)
    await uploadAll(teams.beta.slug, beta, shaB)
    const betaBefore = diskUsage(join(directory, teams.beta.id)).files
    const alphaBefore = diskUsage(join(directory, teams.alpha.id)).files
    const started = await postJson(server.url, `/api/v1/teams/${teams.alpha.slug}/purges`, { all: true })
    expect(started.status).toBe(202)
    expect(started.body.sha).toBeNull()
    const job = await finished(teams.alpha.slug, started.body.id)
    expect(job.status).toBe("done")
    // Whatever the first test left of alpha goes too, each counted once (storage's listing, then the index's records).
    expect(alphaBefore).toBeGreaterThan(alpha.length)
    expect(job).toMatchObject({ deleted: alphaBefore, deleted_bytes: alphaBefore * 1000 })
    expect(diskUsage(join(directory, teams.alpha.id)).files).toBe(0)
    for (const hash of alpha) expect((await get(server.url, teams.alpha.slug, hash)).status).toBe(404)
    expect(diskUsage(join(directory, teams.beta.id)).files).toBe(betaBefore)
    for (const hash of beta) expect((await get(server.url, teams.beta.slug, hash)).status).toBe(200)
    await eventually(async () => (await retention(server.url, teams.alpha.slug)).artifact_count === 0 || undefined)
  })

  it("DELETE /api/v1/teams/:team/artifacts/:hash still removes one artifact", async () => {
    const [one, two] = hashes(2) as [string, string]
    await uploadAll(teams.alpha.slug, [one, two], shaA)
    const deleted = await api(asTestServer(), `/api/v1/teams/${teams.alpha.slug}/artifacts/${one}`, { token: tokens.admin, method: "DELETE" })
    expect(deleted.status).toBe(204)
    expect((await get(server.url, teams.alpha.slug, one)).status).toBe(404)
    expect((await get(server.url, teams.alpha.slug, two)).status).toBe(200)
    const again = await api(asTestServer(), `/api/v1/teams/${teams.alpha.slug}/artifacts/${one}`, { token: tokens.admin, method: "DELETE" })
    expectErrorBody(again, 404, "not_found")
  })
})
