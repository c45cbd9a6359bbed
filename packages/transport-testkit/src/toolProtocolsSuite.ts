import { randomBytes } from "node:crypto"
import type { Namespace } from "@hoard/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rawRequest, sha256 } from "./client.ts"
import type { ProtocolSuiteOptions } from "./protocolSuite.ts"
import type { ServerUnderTest, StartServer } from "./ServerUnderTest.ts"

const secret = (name: string) => `${name}-${randomBytes(12).toString("hex")}`

const alpha = { id: "team_alpha" as Namespace, slug: "alpha" }
const beta = { id: "team_beta" as Namespace, slug: "beta" }
const paused = { id: "team_paused" as Namespace, slug: "paused", status: "paused" as const }

const tokens = {
  /** Bound to alpha alone: Nx may use the bare server URL with it. */
  writer: { name: "writer", token: secret("writer"), teams: { alpha: "read-write" as const } },
  reader: { name: "reader", token: secret("reader"), teams: { alpha: "read" as const } },
  /** On several teams: it must name one in the URL. */
  several: { name: "several", token: secret("several"), teams: { alpha: "read-write" as const, beta: "read-write" as const, paused: "read-write" as const } }
}

const MAX_ARTIFACT_BYTES = 256 * 1024

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const basic = (token: string, user = "ci") => ({ authorization: `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}` })
const randomDigits = () => BigInt(`0x${randomBytes(8).toString("hex")}`).toString(10)
const randomHex = (bytes = 16) => randomBytes(bytes).toString("hex")

const send = (url: string, method: string, headers: Record<string, string>, body?: Uint8Array<ArrayBuffer>) =>
  fetch(url, { method, headers: { "content-type": "application/octet-stream", ...headers }, ...(body !== undefined && { body }) })

const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer())

/**
 * The other build tools' protocols (Nx, Gradle, ccache, Bazel) at the HTTP
 * level, each edge case its client depends on, against a real server on a
 * loopback port: the same tokens and teams as turbo's `/v8`, and keys that
 * never collide with turbo's or each other's.
 */
export const toolProtocolsSuite = (name: string, start: StartServer, options: ProtocolSuiteOptions): void => {
  describe(`${name} build-tool protocols`, () => {
    let server: ServerUnderTest

    beforeAll(async () => {
      server = await start({
        storage: options.storage(),
        access: { teams: [alpha, beta, paused], tokens: Object.values(tokens) },
        maxArtifactBytes: MAX_ARTIFACT_BYTES
      })
    })
    afterAll(() => server?.close())

    const expectText = async (response: Response, status: number, pattern: RegExp) => {
      expect(response.status).toBe(status)
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/)
      expect(await response.text()).toMatch(pattern)
    }

    describe("Nx (/nx/<team>/v1/cache/<hash>)", () => {
      const nx = (team: string, hash: string) => `${server.url}/nx/${team}/v1/cache/${hash}`

      it("stores with 200, serves the bytes back and refuses to overwrite a record with 409", async () => {
        const hash = randomDigits()
        const body = randomBytes(40_000)
        expect((await send(nx("alpha", hash), "GET", bearer(tokens.writer.token))).status).toBe(404)
        const stored = await send(nx("alpha", hash), "PUT", bearer(tokens.writer.token), body)
        expect(stored.status).toBe(200)
        const read = await send(nx("alpha", hash), "GET", { ...bearer(tokens.reader.token), accept: "application/octet-stream" })
        expect(read.status).toBe(200)
        expect((await bytesOf(read)).equals(body)).toBe(true)
        await expectText(await send(nx("alpha", hash), "PUT", bearer(tokens.writer.token), randomBytes(10)), 409, /existing record/)
        expect((await bytesOf(await send(nx("alpha", hash), "GET", bearer(tokens.writer.token)))).equals(body)).toBe(true)
      })

      it("serves a token bound to one team at the bare server URL, and `//v1/...` from a trailing slash", async () => {
        const hash = randomDigits()
        const body = randomBytes(1_000)
        expect((await send(`${server.url}/v1/cache/${hash}`, "PUT", bearer(tokens.writer.token), body)).status).toBe(200)
        expect((await bytesOf(await send(nx("alpha", hash), "GET", bearer(tokens.writer.token)))).equals(body)).toBe(true)
        const doubled = await send(`${server.url}/nx/alpha//v1/cache/${hash}`, "GET", bearer(tokens.writer.token))
        expect(doubled.status).toBe(200)
        expect((await bytesOf(doubled)).equals(body)).toBe(true)
        // A token on several teams must name one: a 401 Nx shows its user, never a silent miss.
        await expectText(await send(`${server.url}/v1/cache/${hash}`, "GET", bearer(tokens.several.token)), 401, /\/nx\/<team>/)
      })

      it("answers a read-only token's PUT with 403 text/plain and still serves it", async () => {
        const hash = randomDigits()
        await expectText(await send(nx("alpha", hash), "PUT", bearer(tokens.reader.token), randomBytes(10)), 403, /may not upload/)
        expect((await send(nx("alpha", hash), "GET", bearer(tokens.reader.token))).status).toBe(404)
      })

      it("answers every 401 as text/plain with a message", async () => {
        const hash = randomDigits()
        await expectText(await send(nx("alpha", hash), "GET", {}), 401, /Authorization/)
        await expectText(await send(nx("alpha", hash), "GET", bearer("wrong-token-0123456789")), 401, /invalid token/)
        await expectText(await send(nx("alpha", hash), "PUT", bearer("wrong-token-0123456789"), randomBytes(5)), 401, /invalid token/)
      })

      it("answers GET only with 200 or 404: a paused team, an unknown team and a bad hash are misses", async () => {
        expect((await send(nx("paused", randomDigits()), "GET", bearer(tokens.several.token))).status).toBe(404)
        expect((await send(nx("nobody", randomDigits()), "GET", bearer(tokens.several.token))).status).toBe(404)
        expect((await send(nx("alpha", "not-a-hash!"), "GET", bearer(tokens.writer.token))).status).toBe(404)
      })

      it("never commits a body shorter than its Content-Length, so the hash can still be stored", async () => {
        const hash = randomDigits()
        const cut = await rawRequest(nx("alpha", hash), {
          method: "PUT",
          headers: { ...bearer(tokens.writer.token), "content-length": "5000", "content-type": "application/octet-stream" },
          chunks: [randomBytes(2000)],
          abortAfterChunks: true
        })
        expect(cut.status).toBeUndefined()
        expect((await send(nx("alpha", hash), "GET", bearer(tokens.writer.token))).status).toBe(404)
        expect((await send(nx("alpha", hash), "PUT", bearer(tokens.writer.token), randomBytes(5000))).status).toBe(200)
      })
    })

    describe("Gradle (/gradle/<team>/<key>)", () => {
      const gradle = (team: string, key: string) => `${server.url}/gradle/${team}/${key}`
      const entryType = { "content-type": "application/vnd.gradle.build-cache-artifact.v1" }

      it("stores and serves an entry with Basic credentials (the password is the token); a miss is 404", async () => {
        const key = randomHex()
        const body = randomBytes(20_000)
        expect((await send(gradle("alpha", key), "GET", basic(tokens.writer.token))).status).toBe(404)
        expect((await send(gradle("alpha", key), "PUT", { ...basic(tokens.writer.token), ...entryType }, body)).status).toBe(200)
        const read = await send(gradle("alpha", key), "GET", basic(tokens.reader.token, "anyone"))
        expect(read.status).toBe(200)
        expect((await bytesOf(read)).equals(body)).toBe(true)
      })

      it("challenges for Basic credentials with a 401, refuses a read-only PUT with 403 and an oversized entry with 413", async () => {
        const key = randomHex()
        const challenged = await send(gradle("alpha", key), "GET", {})
        expect(challenged.status).toBe(401)
        expect(challenged.headers.get("www-authenticate")).toMatch(/^Basic realm=/)
        expect((await send(gradle("alpha", key), "PUT", basic(tokens.reader.token), randomBytes(10))).status).toBe(403)
        expect((await send(gradle("alpha", key), "PUT", basic(tokens.writer.token), randomBytes(MAX_ARTIFACT_BYTES + 1))).status).toBe(413)
        expect((await send(gradle("alpha", key), "GET", basic(tokens.writer.token))).status).toBe(404)
      })
    })

    describe("ccache (/ccache/<team>/<key>)", () => {
      const ccache = (path: string) => `${server.url}/ccache/alpha/${path}`

      it("names one entry in the subdirs and flat layouts; HEAD, GET, and DELETE (200 even when gone)", async () => {
        const key = `${randomHex(2)}${randomHex(15)}`
        const body = randomBytes(3_000)
        const subdirs = `${key.slice(0, 2)}/${key.slice(2)}`
        expect((await send(ccache(subdirs), "HEAD", basic(tokens.writer.token))).status).toBe(404)
        expect((await send(ccache(subdirs), "PUT", basic(tokens.writer.token), body)).status).toBe(200)
        expect((await send(ccache(subdirs), "HEAD", bearer(tokens.reader.token))).status).toBe(200)
        expect((await bytesOf(await send(ccache(key), "GET", bearer(tokens.reader.token)))).equals(body)).toBe(true)
        expect((await send(ccache(key), "DELETE", basic(tokens.reader.token))).status).toBe(403)
        expect((await send(ccache(key), "DELETE", basic(tokens.writer.token))).status).toBe(200)
        expect((await send(ccache(subdirs), "GET", basic(tokens.writer.token))).status).toBe(404)
        // ccache counts a non-2xx DELETE as an error: a missing entry is removed already.
        expect((await send(ccache(subdirs), "DELETE", basic(tokens.writer.token))).status).toBe(200)
      })
    })

    describe("Bazel (/bazel/<team>/ac|cas/<sha256>)", () => {
      const bazel = (store: "ac" | "cas", digest: string) => `${server.url}/bazel/alpha/${store}/${digest}`

      it("stores content only under its own SHA-256: a mismatch is 400 and nothing is stored", async () => {
        const body = randomBytes(30_000)
        const digest = sha256(body)
        expect((await send(bazel("cas", digest), "GET", basic(tokens.writer.token))).status).toBe(404)
        const poisoned = await send(bazel("cas", digest), "PUT", basic(tokens.writer.token), randomBytes(30_000))
        await expectText(poisoned, 400, /SHA-256/)
        expect((await send(bazel("cas", digest), "GET", basic(tokens.writer.token))).status).toBe(404)
        expect((await send(bazel("cas", digest), "PUT", basic(tokens.writer.token), body)).status).toBe(200)
        expect((await bytesOf(await send(bazel("cas", digest), "GET", basic(tokens.reader.token)))).equals(body)).toBe(true)
      })

      it("stores action results as sent, apart from content; rejects a key that is not a SHA-256; serves the empty blob", async () => {
        const digest = sha256(randomBytes(8))
        const result = randomBytes(200)
        expect((await send(bazel("ac", digest), "PUT", basic(tokens.writer.token), result)).status).toBe(200)
        expect((await bytesOf(await send(bazel("ac", digest), "GET", basic(tokens.writer.token)))).equals(result)).toBe(true)
        expect((await send(bazel("cas", digest), "GET", basic(tokens.writer.token))).status).toBe(404)
        expect((await send(bazel("ac", "ABC123"), "PUT", basic(tokens.writer.token), result)).status).toBe(400)
        const empty = await send(bazel("cas", sha256(new Uint8Array(0))), "GET", basic(tokens.reader.token))
        expect(empty.status).toBe(200)
        expect((await bytesOf(empty)).length).toBe(0)
        expect((await send(bazel("cas", digest), "PUT", bearer(tokens.reader.token), result)).status).toBe(403)
      })
    })

    describe("shared by every protocol", () => {
      it("keeps one key of every tool and turbo's hash of the same digits apart", async () => {
        const key = randomDigits()
        const bodies = Object.fromEntries(["turbo", "nx", "gradle", "ccache"].map((tool) => [tool, randomBytes(500)]))
        const urls = {
          turbo: `${server.url}/v8/artifacts/${key}?slug=alpha`,
          nx: `${server.url}/nx/alpha/v1/cache/${key}`,
          gradle: `${server.url}/gradle/alpha/${key}`,
          ccache: `${server.url}/ccache/alpha/${key}`
        }
        for (const [tool, url] of Object.entries(urls)) {
          expect((await send(url, "PUT", bearer(tokens.writer.token), bodies[tool]!)).status, tool).toBeLessThan(300)
        }
        for (const [tool, url] of Object.entries(urls)) {
          expect((await bytesOf(await send(url, "GET", bearer(tokens.writer.token)))).equals(bodies[tool]!), tool).toBe(true)
        }
      })

      it("records each tool's uploads and downloads in the activity record with the tool named", async () => {
        const hash = randomDigits()
        const key = randomHex()
        expect((await send(`${server.url}/nx/beta/v1/cache/${hash}`, "PUT", bearer(tokens.several.token), randomBytes(64))).status).toBe(200)
        expect((await send(`${server.url}/gradle/beta/${key}`, "PUT", basic(tokens.several.token), randomBytes(64))).status).toBe(200)
        expect((await send(`${server.url}/nx/beta/v1/cache/${hash}`, "GET", bearer(tokens.several.token))).status).toBe(200)
        const wanted = [
          { event_type: "artifact.uploaded", hash: `nx-${hash}`, tool: "nx" },
          { event_type: "artifact.downloaded", hash: `nx-${hash}`, tool: "nx" },
          { event_type: "artifact.uploaded", hash: `gradle-${key}`, tool: "gradle" }
        ]
        const deadline = Date.now() + 10_000
        let seen: Array<{ event_type: string; hash: unknown; tool: unknown }> = []
        while (Date.now() < deadline) {
          const page = await (await fetch(`${server.url}/api/v1/teams/beta/events?limit=100`, { headers: bearer(tokens.several.token) })).json() as {
            events: ReadonlyArray<{ event_type: string; data: Record<string, unknown> }>
          }
          seen = page.events.map((event) => ({ event_type: event.event_type, hash: event.data["hash"], tool: event.data["tool"] }))
          if (wanted.every((event) => seen.some((s) => s.event_type === event.event_type && s.hash === event.hash))) break
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
        for (const event of wanted) expect(seen).toContainEqual(event)
      })
    })
  })
}
