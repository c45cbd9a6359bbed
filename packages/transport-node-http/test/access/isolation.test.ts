/**
 * Team isolation through a real server: every team × token × request kind
 * answers exactly what the access config says, with the body turbo reads.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { AccessConfig } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHoardServer } from "../../src/index.ts"
import type { Closeable, HoardServer } from "../../src/index.ts"

type Scope = "read" | "read-write" | "admin"

const secret = (name: string) => `${name}-${randomBytes(12).toString("hex")}`

/** Teams: two normal ones, a disabled, a paused, and one with a 100-byte quota. */
const teams = [
  { id: "team_alpha", slug: "alpha", name: "Team Alpha", createdAt: "2024-05-01T12:00:00.000Z" },
  { id: "team_beta", slug: "beta" },
  { id: "team_gamma", slug: "gamma", status: "disabled" },
  { id: "team_delta", slug: "delta", status: "paused" },
  { id: "team_eps", slug: "eps", quota: 100 }
] as const
type Slug = (typeof teams)[number]["slug"]

interface TokenCase {
  readonly name: string
  readonly secret: string
  /** The scope per team slug, as the test expects it (independent of how grants are keyed). */
  readonly scopes: Partial<Record<Slug, Scope>>
}

type TokenKey = "aRead" | "aReadWrite" | "aAdmin" | "bReadWrite" | "everyTeam" | "bReadDigest"

const tokens: Readonly<Record<TokenKey, TokenCase>> = {
  aRead: { name: "a-read", secret: secret("a-read"), scopes: { alpha: "read" } },
  aReadWrite: { name: "a-read-write", secret: secret("a-rw"), scopes: { alpha: "read-write" } },
  aAdmin: { name: "a-admin", secret: secret("a-admin"), scopes: { alpha: "admin" } },
  bReadWrite: { name: "b-read-write", secret: secret("b-rw"), scopes: { beta: "read-write" } },
  everyTeam: {
    name: "every-team-admin",
    secret: secret("every"),
    scopes: { alpha: "admin", beta: "admin", gamma: "admin", delta: "admin", eps: "admin" }
  },
  bReadDigest: { name: "b-read-digest", secret: secret("b-digest"), scopes: { beta: "read" } }
}

const rateLimited = { name: "rate-limited", secret: secret("limited") }

const access = Schema.decodeUnknownSync(AccessConfig)({
  teams,
  tokens: [
    { name: tokens.aRead.name, token: tokens.aRead.secret, teams: { alpha: "read" } },
    { name: tokens.aReadWrite.name, token: tokens.aReadWrite.secret, teams: { alpha: "read-write" } },
    // Granted by team id rather than slug.
    { name: tokens.aAdmin.name, token: tokens.aAdmin.secret, teams: { team_alpha: "admin" } },
    { name: tokens.bReadWrite.name, token: tokens.bReadWrite.secret, teams: { beta: "read-write" } },
    { name: tokens.everyTeam.name, token: tokens.everyTeam.secret, teams: { "*": "admin" } },
    {
      name: tokens.bReadDigest.name,
      sha256: createHash("sha256").update(tokens.bReadDigest.secret).digest("hex"),
      teams: { beta: "read" }
    },
    {
      name: rateLimited.name,
      token: rateLimited.secret,
      teams: { alpha: "read" },
      rateLimit: { requests: 5, per: "10 seconds" }
    }
  ]
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** What a request is answered: the status and the body (parsed JSON, or the text). */
interface Answer {
  readonly status: number
  readonly body: unknown
}

const answerOf = async (response: Response): Promise<Answer> => {
  const text = await response.text()
  const isJson = response.headers.get("content-type")?.startsWith("application/json") === true
  return { status: response.status, body: isJson && text !== "" ? JSON.parse(text) : text }
}

const apiError = (status: number, code: string, message: string): Answer => ({ status, body: { error: { code, message } } })

describe("team isolation (real server, fs storage)", () => {
  let dir: string
  let server: HoardServer & Closeable
  /** The same hash holds different bytes in alpha and beta. */
  const sharedHash = randomBytes(8).toString("hex")
  const missingHash = randomBytes(8).toString("hex")
  const contents: Partial<Record<Slug, string>> = {
    alpha: `alpha bytes ${randomUUID()}`,
    beta: `beta bytes ${randomUUID()}`
  }
  /** Hashes the matrix uploaded, with the team that accepted them. */
  const accepted: Array<{ readonly slug: Slug; readonly hash: string }> = []

  const url = (path: string, query: string) => `${server.url}${path}?${query}`
  const upload = (query: string, hash: string, body: string, token: string) =>
    fetch(url(`/v8/artifacts/${hash}`, query), {
      method: "PUT",
      headers: { ...bearer(token), "content-type": "application/octet-stream", "x-artifact-duration": "321" },
      body
    })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hoard-isolation-"))
    server = await startHoardServer({
      storage: FsStorage.layer({ directory: dir }),
      access,
      port: 0
    })
    for (const slug of ["alpha", "beta"] as const) {
      expect((await upload(`slug=${slug}`, sharedHash, contents[slug]!, tokens.everyTeam.secret)).status).toBe(202)
    }
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  type Method = "GET" | "HEAD" | "PUT" | "POST query" | "POST events" | "status"
  const methods: ReadonlyArray<Method> = ["GET", "HEAD", "PUT", "POST query", "POST events", "status"]

  const send = (method: Method, slug: Slug, authorization: Record<string, string>, putHash: string): Promise<Response> => {
    const query = `slug=${slug}`
    switch (method) {
      case "GET":
        return fetch(url(`/v8/artifacts/${sharedHash}`, query), { headers: authorization })
      case "HEAD":
        return fetch(url(`/v8/artifacts/${sharedHash}`, query), { method: "HEAD", headers: authorization })
      case "PUT":
        return fetch(url(`/v8/artifacts/${putHash}`, query), {
          method: "PUT",
          headers: { ...authorization, "content-type": "application/octet-stream", "x-artifact-duration": "7" },
          body: `${slug} upload`
        })
      case "POST query":
        return fetch(url("/v8/artifacts", query), {
          method: "POST",
          headers: { ...authorization, "content-type": "application/json" },
          body: JSON.stringify({ hashes: [sharedHash, missingHash] })
        })
      case "POST events":
        return fetch(url("/v8/artifacts/events", query), {
          method: "POST",
          headers: { ...authorization, "content-type": "application/json" },
          body: JSON.stringify([{ sessionId: randomUUID(), source: "REMOTE", event: "HIT", hash: sharedHash, duration: 321 }])
        })
      case "status":
        return fetch(url("/v8/artifacts/status", query), { headers: { ...authorization, "content-type": "application/json" } })
    }
  }

  /** The exact answer for one request; HEAD answers carry no body. */
  const expected = (method: Method, team: (typeof teams)[number], token: TokenCase | "bad" | "missing", putHash: string): Answer => {
    const answer = expectedWithBody(method, team, token, putHash)
    return method === "HEAD" ? { status: answer.status, body: "" } : answer
  }

  const expectedWithBody = (method: Method, team: (typeof teams)[number], token: TokenCase | "bad" | "missing", putHash: string): Answer => {
    if (token === "missing") {
      return apiError(401, "unauthorized", "missing Authorization header: send `Authorization: Bearer <token>`")
    }
    if (token === "bad") return apiError(401, "unauthorized", "invalid token")
    const scope = token.scopes[team.slug]
    if (scope === undefined) return apiError(403, "forbidden", `token ${token.name} has no access to team ${team.slug}`)
    if (method === "PUT" && scope === "read") {
      return apiError(403, "forbidden", `token ${token.name} may not upload to team ${team.slug} (its scope is read)`)
    }
    const status = "status" in team ? team.status : "enabled"
    if (method === "status") return { status: 200, body: { status } }
    if (method === "POST events") return { status: 200, body: "" }
    if (status !== "enabled") {
      return apiError(403, `remote_caching_${status}`, `remote caching is ${status} for team ${team.slug}`)
    }
    const content = contents[team.slug]!
    switch (method) {
      case "GET":
      case "HEAD":
        return { status: 200, body: content }
      case "PUT":
        return { status: 202, body: { urls: [`/v8/artifacts/${putHash}?slug=${team.slug}`] } }
      case "POST query":
        return {
          status: 200,
          body: { [sharedHash]: { size: Buffer.byteLength(content), taskDurationMs: 321 }, [missingHash]: null }
        }
    }
  }

  const matrixTeams = teams.filter((team) => team.slug !== "eps")
  const matrixTokens: ReadonlyArray<TokenCase | "bad" | "missing"> = [...Object.values(tokens), "bad", "missing"]

  for (const team of matrixTeams) {
    for (const token of matrixTokens) {
      const tokenName = typeof token === "string" ? `${token} token` : token.name
      it(`team ${team.slug} (${"status" in team ? team.status : "enabled"}) with ${tokenName}: ${methods.join(", ")}`, async () => {
        const authorization = token === "missing" ? {} : bearer(token === "bad" ? "not-a-configured-token-0123" : token.secret)
        const putHash = randomBytes(8).toString("hex")
        for (const method of methods) {
          const actual = await answerOf(await send(method, team.slug, authorization, putHash))
          expect(actual, `${method} ${team.slug} as ${tokenName}`).toEqual(expected(method, team, token, putHash))
          if (method === "PUT" && actual.status === 202) accepted.push({ slug: team.slug, hash: putHash })
        }
      })
    }
  }

  it("kept every accepted upload in its own team only", async () => {
    // alpha: a-read-write, a-admin, every-team; beta: b-read-write, every-team.
    expect(accepted.map(({ slug }) => slug).sort()).toEqual(["alpha", "alpha", "alpha", "beta", "beta"])
    for (const { hash, slug } of accepted) {
      for (const other of ["alpha", "beta"] as const) {
        const response = await fetch(url(`/v8/artifacts/${hash}`, `slug=${other}`), { headers: bearer(tokens.everyTeam.secret) })
        if (other === slug) {
          expect(await answerOf(response)).toEqual({ status: 200, body: `${slug} upload` })
        } else {
          expect(await answerOf(response)).toEqual(
            apiError(404, "not_found", `no artifact ${hash} for team ${other}`)
          )
        }
      }
    }
  })

  it("records a read-only token's refused upload as auth.rejected", async () => {
    const hash = randomBytes(8).toString("hex")
    expect((await upload("slug=alpha", hash, "x", tokens.aRead.secret)).status).toBe(403)
    const eventsOf = async (type: string) => {
      const response = await fetch(url("/api/v1/teams/alpha/events", `type=${type}&limit=500`), { headers: bearer(tokens.aAdmin.secret) })
      expect(response.status).toBe(200)
      return (await response.json()).events as Array<{ team_id?: string; data: Record<string, unknown> }>
    }
    const rejected = (await eventsOf("auth.rejected")).filter((event) => event.data["method"] === "PUT")
    expect(rejected).toContainEqual(expect.objectContaining({
      team_id: "team_alpha",
      data: expect.objectContaining({
        status: 403,
        token_name: "a-read",
        reason: "token a-read may not upload to team alpha (its scope is read)"
      })
    }))
    expect((await eventsOf("artifact.upload_started")).some((event) => event.data["hash"] === hash)).toBe(false)
  })

  describe("naming a team", () => {
    const token = tokens.aReadWrite.secret

    it("resolves slug and teamId to the same team: upload by slug, download by id, by both, and crosswise", async () => {
      const hash = randomBytes(8).toString("hex")
      const body = `named ${randomUUID()}`
      expect((await upload("slug=alpha", hash, body, token)).status).toBe(202)
      for (const query of ["teamId=team_alpha", "teamId=team_alpha&slug=alpha", "slug=team_alpha", "teamId=alpha"]) {
        const response = await fetch(url(`/v8/artifacts/${hash}`, query), { headers: bearer(token) })
        expect(await answerOf(response), query).toEqual({ status: 200, body })
      }
      // And the other way round.
      const other = randomBytes(8).toString("hex")
      expect((await upload("teamId=team_alpha", other, body, token)).status).toBe(202)
      expect(await answerOf(await fetch(url(`/v8/artifacts/${other}`, "slug=alpha"), { headers: bearer(token) })))
        .toEqual({ status: 200, body })
    })

    it("answers 400 when teamId and slug name different teams, 403 for an unknown team, 400 for none", async () => {
      const everyTeam = bearer(tokens.everyTeam.secret)
      expect(await answerOf(await fetch(url(`/v8/artifacts/${sharedHash}`, "teamId=team_alpha&slug=beta"), { headers: everyTeam })))
        .toEqual(apiError(400, "bad_request", "teamId \"team_alpha\" and slug \"beta\" name different teams"))
      expect(await answerOf(await fetch(url("/v8/artifacts/status", "teamId=team_beta&slug=alpha"), { headers: everyTeam })))
        .toEqual(apiError(400, "bad_request", "teamId \"team_beta\" and slug \"alpha\" name different teams"))
      for (const [query, name] of [["slug=zeta", "zeta"], ["teamId=team_zeta", "team_zeta"], ["teamId=team_zeta&slug=alpha", "team_zeta"]]) {
        expect(await answerOf(await fetch(url(`/v8/artifacts/${sharedHash}`, query!), { headers: everyTeam })), query)
          .toEqual(apiError(403, "forbidden", `unknown team "${name}"`))
      }
      expect(await answerOf(await upload("slug=zeta", sharedHash, "x", tokens.everyTeam.secret)))
        .toEqual(apiError(403, "forbidden", "unknown team \"zeta\""))
      expect(await answerOf(await fetch(`${server.url}/v8/artifacts/${sharedHash}`, { headers: everyTeam })))
        .toEqual(apiError(400, "bad_request", "missing team: pass the teamId or slug query parameter (set TURBO_TEAM)"))
    })
  })

  describe("a team over its storage quota", () => {
    const token = tokens.everyTeam.secret
    const first = randomBytes(8).toString("hex")

    it("is enabled until uploads exceed the quota, then over_limit: uploads 403, reads go on", async () => {
      const status = async () => answerOf(await fetch(url("/v8/artifacts/status", "slug=eps"), { headers: bearer(token) }))
      expect(await status()).toEqual({ status: 200, body: { status: "enabled" } })
      expect((await upload("slug=eps", first, "a".repeat(60), token)).status).toBe(202)
      expect(await status()).toEqual({ status: 200, body: { status: "enabled" } })
      // 60 of 100 bytes used: this upload is still accepted, and uses the quota up.
      expect((await upload("slug=eps", randomBytes(8).toString("hex"), "b".repeat(60), token)).status).toBe(202)
      expect(await status()).toEqual({ status: 200, body: { status: "over_limit" } })

      expect(await answerOf(await upload("slug=eps", randomBytes(8).toString("hex"), "c", token)))
        .toEqual(apiError(403, "remote_caching_over_limit", "the storage quota is used up for team eps"))
      expect(await answerOf(await fetch(url(`/v8/artifacts/${first}`, "slug=eps"), { headers: bearer(token) })))
        .toEqual({ status: 200, body: "a".repeat(60) })
      expect((await fetch(url(`/v8/artifacts/${first}`, "slug=eps"), { method: "HEAD", headers: bearer(token) })).status).toBe(200)
      const query = await fetch(url("/v8/artifacts", "slug=eps"), {
        method: "POST",
        headers: { ...bearer(token), "content-type": "application/json" },
        body: JSON.stringify({ hashes: [first] })
      })
      expect(await answerOf(query)).toEqual({ status: 200, body: { [first]: { size: 60, taskDurationMs: 321 } } })
    })
  })

  describe("the account endpoints turbo link calls (/v2/user, /v2/teams)", () => {
    const teamJson = (slug: Slug, role: "OWNER" | "MEMBER" | "VIEWER") => {
      const team = teams.find((candidate) => candidate.slug === slug)!
      const createdAt = "createdAt" in team ? Date.parse(team.createdAt) : 0
      return {
        id: team.id,
        slug,
        name: "name" in team ? team.name : slug,
        createdAt,
        created: new Date(createdAt).toISOString(),
        membership: { role }
      }
    }
    const roles = { admin: "OWNER", "read-write": "MEMBER", read: "VIEWER" } as const

    it("/v2/user names the token, in the shape turbo parses", async () => {
      for (const token of Object.values(tokens)) {
        const response = await fetch(`${server.url}/v2/user`, { headers: { ...bearer(token.secret), "content-type": "application/json" } })
        expect(await answerOf(response)).toEqual({
          status: 200,
          body: { user: { id: token.name, username: token.name, email: "", name: token.name, createdAt: 0 } }
        })
      }
      expect(await answerOf(await fetch(`${server.url}/v2/user`, { headers: bearer("nope-nope-nope-nope") })))
        .toEqual(apiError(401, "unauthorized", "invalid token"))
    })

    it("/v2/teams lists only the token's teams, with its scope as the role", async () => {
      for (const token of Object.values(tokens)) {
        const response = await fetch(`${server.url}/v2/teams?limit=100`, { headers: bearer(token.secret) })
        const expectedTeams = teams
          .filter((team) => token.scopes[team.slug] !== undefined)
          .map((team) => teamJson(team.slug, roles[token.scopes[team.slug]!]))
        expect(await answerOf(response), token.name).toEqual({ status: 200, body: { teams: expectedTeams } })
      }
      expect(await answerOf(await fetch(`${server.url}/v2/teams?limit=2`, { headers: bearer(tokens.everyTeam.secret) })))
        .toEqual({ status: 200, body: { teams: [teamJson("alpha", "OWNER"), teamJson("beta", "OWNER")] } })
      expect((await fetch(`${server.url}/v2/teams`, {})).status).toBe(401)
    })

    it("/v2/teams/:team answers one of the token's teams, by id or slug, and 404 for others", async () => {
      const token = bearer(tokens.aRead.secret)
      for (const name of ["team_alpha", "alpha"]) {
        expect(await answerOf(await fetch(`${server.url}/v2/teams/${name}`, { headers: token })))
          .toEqual({ status: 200, body: teamJson("alpha", "VIEWER") })
      }
      expect(await answerOf(await fetch(`${server.url}/v2/teams/team_beta`, { headers: token })))
        .toEqual(apiError(404, "not_found", "no team team_beta"))
    })
  })

  it("rate-limits a token with a budget: X-RateLimit headers, then 429 with retry-after", async () => {
    const request = () => fetch(url("/v8/artifacts/status", "slug=alpha"), { headers: bearer(rateLimited.secret) })
    for (let remaining = 4; remaining >= 0; remaining--) {
      const response = await request()
      expect(await answerOf(response)).toEqual({ status: 200, body: { status: "enabled" } })
      expect(response.headers.get("x-ratelimit-limit")).toBe("5")
      expect(response.headers.get("x-ratelimit-remaining")).toBe(String(remaining))
    }
    const limited = await request()
    expect(await answerOf(limited)).toEqual(
      apiError(429, "rate_limited", "token rate-limited is over its rate limit of 5 requests per 10 seconds")
    )
    expect(limited.headers.get("x-ratelimit-limit")).toBe("5")
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0")
    const retryAfter = Number(limited.headers.get("retry-after"))
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, `retry-after ${retryAfter}`).toBe(true)
    // Other tokens are not limited, and carry no rate-limit headers.
    const other = await fetch(url("/v8/artifacts/status", "slug=alpha"), { headers: bearer(tokens.aRead.secret) })
    expect(other.status).toBe(200)
    expect(other.headers.get("x-ratelimit-limit")).toBeNull()
  })
})
