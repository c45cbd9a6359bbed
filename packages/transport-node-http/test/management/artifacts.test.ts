import { randomBytes } from "node:crypto"
import { rawRequest } from "@hoard/transport-testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { TestServer } from "./harness.ts"
import {
  api,
  bearer,
  download,
  eventually,
  expectErrorBody,
  hangingUpload,
  randomHash,
  sleep,
  startServer,
  teams,
  tokens,
  upload
} from "./harness.ts"

interface ArtifactRecord {
  readonly hash: string
  readonly size: number | null
  readonly status: "registered" | "success" | "failed" | "missing"
  readonly sha: string | null
  readonly dates: { readonly registered_at: string; readonly updated_at: string; readonly obtained_at: string | null }
  readonly download_url: string | null
}

interface ArtifactsPage {
  readonly artifacts: Array<ArtifactRecord>
  readonly next_cursor: string | null
}

describe("/api/v1/teams/:team/artifacts", () => {
  let server: TestServer
  const stored = randomHash()
  const otherCommit = randomHash()
  const missed = randomHash()
  const aborted = randomHash()

  beforeAll(async () => {
    server = await startServer()
    expect(await upload(server, teams.alpha.slug, stored, new Uint8Array(42), { "x-artifact-sha": "aaa111" })).toBe(202)
    await sleep(5)
    expect(await upload(server, teams.alpha.slug, otherCommit, new Uint8Array(7), { "x-artifact-sha": "bbb222" })).toBe(202)
    await sleep(5)
    expect((await download(server, teams.alpha.slug, missed)).status).toBe(404)
    await sleep(5)
    const cut = await rawRequest(`${server.url}/v8/artifacts/${aborted}?slug=${teams.alpha.slug}`, {
      method: "PUT",
      headers: { ...bearer(tokens.admin), "content-type": "application/octet-stream", "content-length": "100000", "x-artifact-sha": "ccc333" },
      chunks: [randomBytes(1000)],
      abortAfterChunks: true
    })
    expect(cut.status).toBeUndefined()
  })
  afterAll(() => server.close())

  const list = (query = "", token: string = tokens.reader) =>
    api<ArtifactsPage>(server, `/api/v1/teams/${teams.alpha.slug}/artifacts${query}`, { token })
  const one = (hash: string, token: string = tokens.reader) =>
    api<ArtifactRecord>(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/${hash}`, { token })

  it("gives each artifact its status: success, missing after a miss, failed after an aborted upload", async () => {
    const page = await eventually(async () => {
      const { body } = await list()
      return body.artifacts.some((record) => record.hash === aborted && record.status === "failed") ? body : undefined
    })
    const byHash = new Map(page.artifacts.map((record) => [record.hash, record]))
    expect(byHash.get(stored)).toMatchObject({ status: "success", size: 42, sha: "aaa111" })
    expect(byHash.get(otherCommit)).toMatchObject({ status: "success", size: 7, sha: "bbb222" })
    expect(byHash.get(missed)).toMatchObject({ status: "missing", size: null, sha: null, download_url: null })
    expect(byHash.get(aborted)).toMatchObject({ status: "failed", size: 100000, sha: "ccc333", download_url: null })
    expect(page.artifacts).toHaveLength(4)
    // Most recently updated first.
    const updated = page.artifacts.map((record) => record.dates.updated_at)
    expect([...updated].sort().reverse()).toEqual(updated)
    expect(page.next_cursor).toBeNull()
  })

  it("shows an upload in flight as registered", async () => {
    const hash = randomHash()
    const inFlight = hangingUpload(server, teams.alpha.slug, hash)
    try {
      const record = await eventually(async () => {
        const response = await one(hash)
        return response.status === 200 ? response.body : undefined
      })
      expect(record).toMatchObject({ hash, status: "registered", download_url: null })
    } finally {
      inFlight.abort()
    }
    const failed = await eventually(async () => {
      const response = await one(hash)
      return response.body?.status === "failed" ? response.body : undefined
    })
    expect(failed.status).toBe("failed")
  })

  it("filters by git commit (sha) and status", async () => {
    const bySha = await list("?sha=aaa111")
    expect(bySha.body.artifacts.map((record) => record.hash)).toEqual([stored])
    expect((await list("?sha=nope")).body.artifacts).toEqual([])
    const missing = await list("?status=missing")
    expect(missing.body.artifacts.map((record) => record.hash)).toEqual([missed])
  })

  it("filters by an updated_at window", async () => {
    const all = (await list()).body.artifacts
    const storedRecord = all.find((record) => record.hash === stored)!
    const from = Date.parse(storedRecord.dates.updated_at)
    const window = await list(`?from=${from}&to=${from + 1}`)
    expect(window.body.artifacts.map((record) => record.hash)).toEqual([stored])
    expect((await list(`?to=${from}`)).body.artifacts).toEqual([])
  })

  it("pages with an opaque cursor", async () => {
    const all = (await list()).body.artifacts.map((record) => record.hash)
    const seen: Array<string> = []
    let cursor: string | null = null
    do {
      const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${encodeURIComponent(cursor)}`
      const { body } = await list(query)
      expect(body.artifacts.length).toBeLessThanOrEqual(2)
      seen.push(...body.artifacts.map((record) => record.hash))
      cursor = body.next_cursor
    } while (cursor !== null && seen.length <= all.length)
    expect(seen).toEqual(all)
  })

  it("gets one artifact, with an absolute download_url when stored", async () => {
    const { body, status } = await one(stored)
    expect(status).toBe(200)
    expect(body).toMatchObject({ hash: stored, status: "success", size: 42, sha: "aaa111" })
    expect(body.download_url).toMatch(new RegExp(`^${server.url}/api/v1/downloads/${teams.alpha.id}/${stored}\\?`))
    expect(Date.parse(body.dates.registered_at)).toBeLessThanOrEqual(Date.parse(body.dates.updated_at))
    expect(body.dates.obtained_at).toBeNull()
    await download(server, teams.alpha.slug, stored)
    expect((await one(stored)).body.dates.obtained_at).not.toBeNull()
    expect((await api(server, `/api/v1/teams/${teams.beta.slug}/artifacts/${stored}`, { token: tokens.admin })).status)
      .toBe(404)
  })

  it("deletes only with admin scope; then the artifact is gone everywhere", async () => {
    const path = `/api/v1/teams/${teams.alpha.slug}/artifacts/${otherCommit}`
    const refused = await api(server, path, { token: tokens.writer, method: "DELETE" })
    expect(expectErrorBody(refused, 403, "forbidden").message).toContain("read-write")
    expect((await download(server, teams.alpha.slug, otherCommit)).status).toBe(200)

    const deleted = await api(server, path, { token: tokens.admin, method: "DELETE" })
    expect(deleted.status).toBe(204)
    expect(deleted.body).toBeUndefined()
    expectErrorBody(await api(server, path, { token: tokens.admin }), 404, "not_found")
    expect((await download(server, teams.alpha.slug, otherCommit)).status).toBe(404)
    expectErrorBody(await api(server, path, { token: tokens.admin, method: "DELETE" }), 404, "not_found")

    const events = await api(server, `/api/v1/teams/${teams.alpha.slug}/events?type=artifact.deleted`, { token: tokens.reader })
    expect(events.body.events).toHaveLength(1)
    expect(events.body.events[0].data).toMatchObject({ hash: otherCommit, token_name: "admin", method: "DELETE" })
  })
})
