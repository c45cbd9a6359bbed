import { randomBytes } from "node:crypto"
import type { Layer } from "effect"
import type { ArtifactStorage } from "@hoard/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auth, put, randomHash, randomTeam, rawRequest, sha256, TOKEN } from "./client.ts"
import type { ErrorBody } from "./client.ts"
import { hardeningSuite } from "./hardeningSuite.ts"
import { toolProtocolsSuite } from "./toolProtocolsSuite.ts"
import type { ServerUnderTest, StartServer } from "./ServerUnderTest.ts"

export interface ProtocolSuiteOptions {
  /** A fresh storage layer for one server (e.g. fs storage in a temp directory). */
  readonly storage: () => Layer.Layer<ArtifactStorage, unknown>
}

const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024

/**
 * The HTTP-level behaviour every transport must have, checked against a real
 * server on a loopback port: every `/v8/artifacts` endpoint as the turbo
 * client uses it, and every kind of bad input.
 */
export const protocolSuite = (name: string, start: StartServer, options: ProtocolSuiteOptions): void => {
  describe(`${name} protocol`, () => {
    let server: ServerUnderTest
    let base: string

    beforeAll(async () => {
      server = await start({ storage: options.storage(), tokens: [TOKEN], maxArtifactBytes: MAX_ARTIFACT_BYTES })
      base = `${server.url}/v8/artifacts`
    })
    afterAll(() => server?.close())

    const expectError = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status)
      expect(response.headers.get("x-request-id")).toBeTruthy()
      const body = (await response.json()) as ErrorBody
      expect(body.error.code).toBe(code)
      expect(body.error.message.length).toBeGreaterThan(0)
      return body.error.message
    }

    describe("status", () => {
      it("answers enabled, ignoring the empty JSON body turbo sends", async () => {
        const response = await fetch(`${base}/status?slug=${randomTeam()}`, {
          headers: { ...auth, "content-type": "application/json" }
        })
        expect(response.status).toBe(200)
        expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
        expect(await response.json()).toEqual({ status: "enabled" })
      })

      it("keeps a sane incoming x-request-id", async () => {
        const response = await fetch(`${base}/status`, { headers: { ...auth, "x-request-id": "trace-42" } })
        expect(response.headers.get("x-request-id")).toBe("trace-42")
      })

      it("rejects a missing, malformed or wrong token with 401", async () => {
        await expectError(await fetch(`${base}/status`), 401, "unauthorized")
        await expectError(await fetch(`${base}/status`, { headers: { authorization: TOKEN } }), 401, "unauthorized")
        await expectError(
          await fetch(`${base}/status`, { headers: { authorization: "Bearer wrong" } }),
          401,
          "unauthorized"
        )
      })
    })

    describe("upload and download", () => {
      it("round-trips bytes and every metadata header", async () => {
        const team = randomTeam()
        const hash = randomHash()
        const body = randomBytes(100_000)
        const uploaded = await put(`${base}/${hash}?slug=${team}`, body, {
          "x-artifact-duration": "4321",
          "x-artifact-tag": "tag/+=".repeat(10),
          "x-artifact-sha": "a".repeat(40),
          "x-artifact-dirty-hash": "b".repeat(64),
          "x-artifact-client-ci": "GITHUB_ACTIONS"
        })
        expect(uploaded.status).toBe(202)
        expect(uploaded.headers.get("x-request-id")).toBeTruthy()
        const answer = (await uploaded.json()) as { urls: Array<string> }
        expect(Array.isArray(answer.urls)).toBe(true)

        const downloaded = await fetch(`${base}/${hash}?slug=${team}`, { headers: auth })
        expect(downloaded.status).toBe(200)
        expect(downloaded.headers.get("content-type")).toBe("application/octet-stream")
        expect(downloaded.headers.get("content-length")).toBe(String(body.length))
        expect(downloaded.headers.get("x-artifact-duration")).toBe("4321")
        expect(downloaded.headers.get("x-artifact-tag")).toBe("tag/+=".repeat(10))
        expect(downloaded.headers.get("x-artifact-sha")).toBe("a".repeat(40))
        expect(downloaded.headers.get("x-artifact-dirty-hash")).toBe("b".repeat(64))
        expect(downloaded.headers.get("x-request-id")).toBeTruthy()
        expect(sha256(new Uint8Array(await downloaded.arrayBuffer()))).toBe(sha256(body))
      })

      it("answers HEAD with the same headers and no body", async () => {
        const team = randomTeam()
        const hash = randomHash()
        await put(`${base}/${hash}?slug=${team}`, randomBytes(777), { "x-artifact-tag": "t1" })
        const response = await fetch(`${base}/${hash}?slug=${team}`, { method: "HEAD", headers: auth })
        expect(response.status).toBe(200)
        expect(response.headers.get("content-length")).toBe("777")
        expect(response.headers.get("x-artifact-duration")).toBe("1234")
        expect(response.headers.get("x-artifact-tag")).toBe("t1")
        expect((await response.arrayBuffer()).byteLength).toBe(0)
        const miss = await fetch(`${base}/${randomHash()}?slug=${team}`, { method: "HEAD", headers: auth })
        expect(miss.status).toBe(404)
      })

      it("answers a miss with 404 and the JSON error body", async () => {
        await expectError(await fetch(`${base}/${randomHash()}?slug=${randomTeam()}`, { headers: auth }), 404, "not_found")
      })

      it("accepts an overwrite of the same hash (turbo re-uploads after a signature miss)", async () => {
        const url = `${base}/${randomHash()}?slug=${randomTeam()}`
        expect((await put(url, randomBytes(10), { "x-artifact-tag": "old" })).status).toBe(202)
        const fresh = randomBytes(20)
        expect((await put(url, fresh, { "x-artifact-tag": "new" })).status).toBe(202)
        const response = await fetch(url, { headers: auth })
        expect(response.headers.get("x-artifact-tag")).toBe("new")
        expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(fresh))
      })

      it("round-trips an empty artifact", async () => {
        const url = `${base}/${randomHash()}?slug=${randomTeam()}`
        expect((await put(url, new Uint8Array(0))).status).toBe(202)
        const response = await fetch(url, { headers: auth })
        expect(response.status).toBe(200)
        expect((await response.arrayBuffer()).byteLength).toBe(0)
      })

      it("streams a 32 MiB artifact both ways byte-identical", async () => {
        const url = `${base}/${randomHash()}?slug=${randomTeam()}`
        const body = randomBytes(32 * 1024 * 1024)
        expect((await put(url, body)).status).toBe(202)
        const response = await fetch(url, { headers: auth })
        expect(response.headers.get("content-length")).toBe(String(body.length))
        expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(body))
      })

      it("handles 16 concurrent uploads and downloads", async () => {
        const team = randomTeam()
        const artifacts = Array.from({ length: 16 }, () => ({ hash: randomHash(), body: randomBytes(256 * 1024) }))
        const statuses = await Promise.all(artifacts.map(({ body, hash }) => put(`${base}/${hash}?slug=${team}`, body)))
        expect(statuses.map((response) => response.status)).toEqual(artifacts.map(() => 202))
        const digests = await Promise.all(artifacts.map(async ({ hash }) => {
          const response = await fetch(`${base}/${hash}?slug=${team}`, { headers: auth })
          return sha256(new Uint8Array(await response.arrayBuffer()))
        }))
        expect(digests).toEqual(artifacts.map(({ body }) => sha256(body)))
      })

      it("stores nothing when the client aborts mid-upload, and stays up", async () => {
        const url = `${base}/${randomHash()}?slug=${randomTeam()}`
        const result = await rawRequest(url, {
          method: "PUT",
          headers: { ...auth, "content-type": "application/octet-stream", "content-length": String(1024 * 1024) },
          chunks: [randomBytes(300 * 1024)],
          abortAfterChunks: true
        })
        expect(result.status).toBeUndefined()
        // The server notices the abort asynchronously.
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect((await fetch(url, { headers: auth })).status).toBe(404)
        expect((await fetch(`${base}/status`, { headers: auth })).status).toBe(200)
      })
    })

    describe("teams", () => {
      it("never shows one team's artifacts to another", async () => {
        const hash = randomHash()
        const [teamA, teamB] = [randomTeam(), randomTeam()]
        await put(`${base}/${hash}?slug=${teamA}`, randomBytes(10))
        expect((await fetch(`${base}/${hash}?slug=${teamA}`, { headers: auth })).status).toBe(200)
        expect((await fetch(`${base}/${hash}?slug=${teamB}`, { headers: auth })).status).toBe(404)
      })

      it("uses teamId when turbo sends both teamId and slug", async () => {
        const hash = randomHash()
        const teamId = `team_${randomBytes(4).toString("hex")}`
        await put(`${base}/${hash}?teamId=${teamId}&slug=some-slug`, randomBytes(10))
        expect((await fetch(`${base}/${hash}?teamId=${teamId}`, { headers: auth })).status).toBe(200)
        expect((await fetch(`${base}/${hash}?slug=some-slug`, { headers: auth })).status).toBe(404)
      })

      it("requires a team on artifact routes", async () => {
        const message = await expectError(await fetch(`${base}/${randomHash()}`, { headers: auth }), 400, "bad_request")
        expect(message).toMatch(/slug/)
      })

      it("rejects a team that is not a safe name", async () => {
        await expectError(
          await fetch(`${base}/${randomHash()}?slug=..%2F..%2Fetc`, { headers: auth }),
          400,
          "bad_request"
        )
      })

      it("accepts the double slash a trailing slash in TURBO_API produces", async () => {
        const team = randomTeam()
        const hash = randomHash()
        const origin = new URL(server.url)
        const doubled = `${origin.origin}/${origin.pathname.replace(/^\/+/, "")}/`.replace(/\/+$/, "/")
        expect((await put(`${doubled}/v8/artifacts/${hash}?slug=${team}`, randomBytes(5))).status).toBe(202)
        expect((await fetch(`${doubled}/v8/artifacts/${hash}?slug=${team}`, { headers: auth })).status).toBe(200)
        expect((await fetch(`${doubled}/v8/artifacts/status`, { headers: auth })).status).toBe(200)
      })
    })

    describe("bad input gets a 4xx with a clear message", () => {
      const team = randomTeam()

      it("rejects hashes that are not hex, including traversal attempts", async () => {
        for (const hash of ["xyz", "..%2F..%2Fetc%2Fpasswd", "abc.def", "a".repeat(129)]) {
          const response = await fetch(`${base}/${hash}?slug=${team}`, { headers: auth })
          expect(response.status, hash).toBe(400)
          const message = ((await response.json()) as ErrorBody).error.message
          expect(message).toMatch(/hash/)
        }
        await expectError(await put(`${base}/not-hex?slug=${team}`, randomBytes(3)), 400, "bad_request")
      })

      it("rejects a tag over 600 characters", async () => {
        const message = await expectError(
          await put(`${base}/${randomHash()}?slug=${team}`, randomBytes(3), { "x-artifact-tag": "t".repeat(601) }),
          400,
          "bad_request"
        )
        expect(message).toMatch(/x-artifact-tag/)
      })

      it("rejects a duration that is not a non-negative integer", async () => {
        for (const duration of ["1.5", "abc", "-3", ""]) {
          const response = await put(`${base}/${randomHash()}?slug=${team}`, randomBytes(3), {
            "x-artifact-duration": duration
          })
          expect(response.status, duration).toBe(400)
          expect(((await response.json()) as ErrorBody).error.message).toMatch(/x-artifact-duration/)
        }
      })

      it("requires Content-Length on upload (411)", async () => {
        const result = await rawRequest(`${base}/${randomHash()}?slug=${team}`, {
          method: "PUT",
          headers: { ...auth, "content-type": "application/octet-stream", "transfer-encoding": "chunked" },
          chunks: [randomBytes(100)]
        })
        expect(result.status).toBe(411)
        expect((JSON.parse(result.body) as ErrorBody).error.code).toBe("length_required")
      })

      it("rejects an artifact over the maximum size from its Content-Length (413)", async () => {
        const result = await rawRequest(`${base}/${randomHash()}?slug=${team}`, {
          method: "PUT",
          headers: { ...auth, "content-type": "application/octet-stream", "content-length": String(MAX_ARTIFACT_BYTES + 1) },
          chunks: [randomBytes(1024)]
        })
        expect(result.status).toBe(413)
        expect((JSON.parse(result.body) as ErrorBody).error.code).toBe("payload_too_large")
      })

      it("checks auth before anything else", async () => {
        await expectError(
          await fetch(`${base}/not-hex?slug=${team}`, { method: "PUT", body: "x" }),
          401,
          "unauthorized"
        )
      })

      it("answers unknown routes with a JSON 404", async () => {
        await expectError(await fetch(`${server.url}/v8/nope`, { headers: auth }), 404, "not_found")
      })
    })

    describe("batch query", () => {
      it("answers hits with exactly {size, taskDurationMs, tag?} and misses with null", async () => {
        const team = randomTeam()
        const [tagged, plain, missing] = [randomHash(), randomHash(), randomHash()]
        await put(`${base}/${tagged}?slug=${team}`, randomBytes(321), { "x-artifact-duration": "77", "x-artifact-tag": "sig" })
        await put(`${base}/${plain}?slug=${team}`, randomBytes(12), { "x-artifact-duration": "5" })
        const response = await fetch(`${base}?slug=${team}`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ hashes: [tagged, plain, missing] })
        })
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({
          [tagged]: { size: 321, taskDurationMs: 77, tag: "sig" },
          [plain]: { size: 12, taskDurationMs: 5 },
          [missing]: null
        })
      })

      it("rejects malformed JSON, a wrong shape, a bad hash and an oversized body", async () => {
        const query = (body: string) =>
          fetch(`${base}?slug=${randomTeam()}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body })
        expect(await expectError(await query("{not json"), 400, "bad_request")).toMatch(/JSON/)
        await expectError(await query(""), 400, "bad_request")
        await expectError(await query(JSON.stringify({ hash: ["abc"] })), 400, "bad_request")
        await expectError(await query(JSON.stringify({ hashes: ["../x"] })), 400, "bad_request")
        await expectError(await query(JSON.stringify({ hashes: Array.from({ length: 200_000 }, () => "abcdef") })), 413, "payload_too_large")
      })
    })

    describe("usage events", () => {
      it("records valid events, without a User-Agent", async () => {
        const team = randomTeam()
        const hash = randomHash()
        const response = await fetch(`${base}/events?slug=${team}`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json", "x-artifact-client-ci": "GITHUB_ACTIONS" },
          body: JSON.stringify([
            { sessionId: "4b7c1b3e-0000-4000-8000-000000000001", source: "LOCAL", event: "MISS", hash, duration: 0 },
            { sessionId: "4b7c1b3e-0000-4000-8000-000000000001", source: "REMOTE", event: "HIT", hash, duration: 677 }
          ])
        })
        expect(response.status).toBe(200)
        // What the server recorded, as the management API reads it back from the cache index.
        const page = await fetch(`${server.url}/api/v1/teams/${team}/events?type=usage.hit,usage.miss`, { headers: auth })
        expect(page.status).toBe(200)
        const mine: Array<{ event_type: string; data: Record<string, unknown> }> = (await page.json()).events
        expect(mine.map(({ data, event_type }) => [event_type, data.source, data.hash, data.duration_ms, data.client_ci]).sort())
          .toEqual([
            ["usage.hit", "REMOTE", hash, 677, "GITHUB_ACTIONS"],
            ["usage.miss", "LOCAL", hash, 0, "GITHUB_ACTIONS"]
          ])
        expect(mine.every(({ data }) => data.token_name === "token-1")).toBe(true)
      })

      it("rejects events that are not valid", async () => {
        const send = (body: unknown) =>
          fetch(`${base}/events?slug=${randomTeam()}`, {
            method: "POST",
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify(body)
          })
        const valid = { sessionId: "s", source: "LOCAL", event: "HIT", hash: "abc", duration: 1 }
        expect(await expectError(await send([{ ...valid, source: "LOCL" }]), 400, "bad_request")).toMatch(/source/)
        await expectError(await send([{ ...valid, event: "MAYBE" }]), 400, "bad_request")
        await expectError(await send([{ ...valid, duration: -1 }]), 400, "bad_request")
        await expectError(await send({ events: [valid] }), 400, "bad_request")
      })
    })

    describe("preflight", () => {
      it("lists Authorization in Access-Control-Allow-Headers so turbo sends the token", async () => {
        const response = await fetch(`${base}/${randomHash()}?slug=${randomTeam()}`, {
          method: "OPTIONS",
          headers: { "access-control-request-method": "PUT", "access-control-request-headers": "Authorization, x-artifact-duration" }
        })
        expect(response.status).toBe(204)
        expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization")
        expect(response.headers.get("access-control-allow-methods")).toContain("PUT")
      })
    })

    describe("base path", () => {
      let mounted: ServerUnderTest
      beforeAll(async () => {
        mounted = await start({
          storage: options.storage(),
          tokens: [TOKEN],
          maxArtifactBytes: MAX_ARTIFACT_BYTES,
          basePath: "/cache"
        })
      })
      afterAll(() => mounted?.close())

      it("serves under the base path and nothing outside it", async () => {
        expect(mounted.url.endsWith("/cache")).toBe(true)
        const team = randomTeam()
        const hash = randomHash()
        expect((await put(`${mounted.url}/v8/artifacts/${hash}?slug=${team}`, randomBytes(9))).status).toBe(202)
        expect((await fetch(`${mounted.url}/v8/artifacts/${hash}?slug=${team}`, { headers: auth })).status).toBe(200)
        const outside = mounted.url.replace(/\/cache$/, "")
        expect((await fetch(`${outside}/v8/artifacts/status`, { headers: auth })).status).toBe(404)
      })
    })
  })
  hardeningSuite(name, start, options)
  toolProtocolsSuite(name, start, options)
}
