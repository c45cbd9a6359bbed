import { randomBytes } from "node:crypto"
import { get as httpGet } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { TestServer } from "./harness.ts"
import { api, bearer, expectErrorBody, randomHash, sleep, startServer, teams, tokens, upload } from "./harness.ts"

const downloadUrlOf = async (server: TestServer, team: string, hash: string, headers: Record<string, string> = {}) => {
  const { body, status } = await api(server, `/api/v1/teams/${team}/artifacts/${hash}`, { token: tokens.reader, headers })
  expect(status).toBe(200)
  return body.download_url as string
}

/** Fetches a URL without any token; a JSON body parsed. */
const fetchPlain = async (url: string, method = "GET") => {
  const response = await fetch(url, { method })
  const bytes = new Uint8Array(await response.arrayBuffer())
  const isJson = response.headers.get("content-type")?.includes("json") ?? false
  return { response, bytes, json: isJson ? JSON.parse(new TextDecoder().decode(bytes)) : undefined }
}

describe("signed download links", () => {
  let server: TestServer
  const hash = randomHash()
  const content = randomBytes(64 * 1024)

  beforeAll(async () => {
    server = await startServer({ downloadUrlTtlSeconds: 1.5 })
    expect(await upload(server, teams.alpha.slug, hash, content, { "x-artifact-sha": "feed", "x-artifact-tag": "tag-1" }))
      .toBe(202)
  })
  afterAll(() => server.close())

  it("downloads without a token before expiry, exactly like GET /v8/artifacts/:hash", async () => {
    const url = await downloadUrlOf(server, teams.alpha.slug, hash)
    const { bytes, response } = await fetchPlain(url)
    expect(response.status).toBe(200)
    expect(Buffer.from(bytes).equals(content)).toBe(true)
    expect(response.headers.get("content-type")).toBe("application/octet-stream")
    expect(response.headers.get("content-length")).toBe(String(content.length))
    expect(response.headers.get("x-artifact-duration")).toBe("1234")
    expect(response.headers.get("x-artifact-sha")).toBe("feed")
    expect(response.headers.get("x-artifact-tag")).toBe("tag-1")
    const head = await fetch(url, { method: "HEAD" })
    expect(head.status).toBe(200)
    expect(head.headers.get("content-length")).toBe(String(content.length))

    const events = await api(server, `/api/v1/teams/${teams.alpha.slug}/events?type=artifact.downloaded`, {
      token: tokens.reader
    })
    expect(events.body.events).toHaveLength(1)
    expect(events.body.events[0].data).toMatchObject({ hash, size: content.length })
    expect(events.body.events[0].data.token_name).toBeUndefined()
  })

  it("refuses a tampered link with 403", async () => {
    const url = new URL(await downloadUrlOf(server, teams.alpha.slug, hash))
    const signature = url.searchParams.get("signature")!
    const tampered = [
      (() => {
        const u = new URL(url)
        u.searchParams.set("signature", (signature[0] === "A" ? "B" : "A") + signature.slice(1))
        return u
      })(),
      (() => {
        const u = new URL(url)
        u.searchParams.set("expires", String(Number(u.searchParams.get("expires")) + 60_000))
        return u
      })(),
      new URL(url.href.replace(hash, randomHash())),
      new URL(url.href.replace(`/${teams.alpha.id}/`, `/${teams.beta.id}/`)),
      (() => {
        const u = new URL(url)
        u.searchParams.set("signature", signature.slice(0, -1))
        return u
      })()
    ]
    for (const link of tampered) {
      const { json, response } = await fetchPlain(link.href)
      expect(response.status, link.href).toBe(403)
      expect(json).toMatchObject({ error_code: "invalid_signature", details: null })
      expect(json.request_id).toBe(response.headers.get("x-request-id"))
    }
  })

  it("stops working once expired: 410", async () => {
    const url = await downloadUrlOf(server, teams.alpha.slug, hash)
    expect((await fetchPlain(url)).response.status).toBe(200)
    await sleep(1700)
    const { json, response } = await fetchPlain(url)
    expect(response.status).toBe(410)
    expect(json).toMatchObject({ error_code: "link_expired", details: { expired_at: expect.any(String) } })
    expect(json.message).toContain("expired")
    // A fresh link works again.
    expect((await fetchPlain(await downloadUrlOf(server, teams.alpha.slug, hash))).response.status).toBe(200)
  })

  it("404s once the artifact is deleted", async () => {
    const other = randomHash()
    expect(await upload(server, teams.alpha.slug, other, new Uint8Array(5))).toBe(202)
    const url = await downloadUrlOf(server, teams.alpha.slug, other)
    expect((await api(server, `/api/v1/teams/${teams.alpha.slug}/artifacts/${other}`, { token: tokens.admin, method: "DELETE" }))
      .status).toBe(204)
    const { json, response } = await fetchPlain(url)
    expect(response.status).toBe(404)
    expect(json.error_code).toBe("not_found")
  })

  it("builds links from X-Forwarded-Proto and Host", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const request = httpGet(`${server.url}/api/v1/teams/${teams.alpha.slug}/artifacts/${hash}`, {
        headers: { ...bearer(tokens.reader), "x-forwarded-proto": "https", host: "cache.example.com" }
      }, (response) => {
        let body = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => (body += chunk))
        response.on("end", () => resolve(body))
      })
      request.on("error", reject)
    })
    const url: string = JSON.parse(answer).download_url
    expect(url).toMatch(new RegExp(`^https://cache\\.example\\.com/api/v1/downloads/${teams.alpha.id}/${hash}\\?expires=\\d+&signature=`))
  })
})

describe("signed download links under a base path, with a shared secret", () => {
  const secret = "a-shared-secret-of-at-least-32-characters"
  let first: TestServer
  let second: TestServer

  beforeAll(async () => {
    first = await startServer({ basePath: "/cache", downloadUrlSecret: secret })
    second = await startServer({ basePath: "/cache", downloadUrlSecret: secret })
  })
  afterAll(async () => {
    await first.close()
    await second.close()
  })

  it("includes the base path, and verifies on another replica with the same secret", async () => {
    const hash = randomHash()
    const content = randomBytes(1000)
    expect(await upload(first, teams.alpha.slug, hash, content)).toBe(202)
    const url = await downloadUrlOf(first, teams.alpha.slug, hash)
    expect(url.startsWith(`${first.url}/api/v1/downloads/`)).toBe(true)
    expect(first.url.endsWith("/cache")).toBe(true)
    expect((await fetchPlain(url)).response.status).toBe(200)
    // The second replica has its own (memory) storage: a valid signature, then no artifact.
    const onSecond = url.replace(first.url, second.url)
    const { json, response } = await fetchPlain(onSecond)
    expect(response.status).toBe(404)
    expect(json.error_code).toBe("not_found")
  })

  it("fails on a replica with another secret", async () => {
    const third = await startServer({ basePath: "/cache" })
    try {
      const hash = randomHash()
      expect(await upload(first, teams.alpha.slug, hash, new Uint8Array(3))).toBe(202)
      const url = (await downloadUrlOf(first, teams.alpha.slug, hash)).replace(first.url, third.url)
      expectErrorBody(await api({ url: "", close: async () => {} }, url), 403, "invalid_signature")
    } finally {
      await third.close()
    }
  })
})
