import { randomBytes } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openConnection, requestHead, statusOf, within } from "./rawHttp.ts"
import type { RawConnection } from "./rawHttp.ts"
import { startServerWithLimits, tokens } from "./serverWithLimits.ts"
import type { LimitedServer } from "./serverWithLimits.ts"

const team = "limits"
const randomHash = () => randomBytes(8).toString("hex")
const artifactPath = (hash: string) => `/v8/artifacts/${hash}?slug=${team}`
const auth = (token: string) => ({ authorization: `Bearer ${token}` })

const uploadHead = (hash: string, token: string, size: number) =>
  requestHead("PUT", artifactPath(hash), { ...auth(token), "content-type": "application/octet-stream", "content-length": String(size) })

const put = (server: LimitedServer, hash: string, token: string, body: Uint8Array<ArrayBuffer>) =>
  fetch(`${server.url}${artifactPath(hash)}`, {
    method: "PUT",
    headers: { ...auth(token), "content-type": "application/octet-stream" },
    body
  })

const head = async (server: LimitedServer, hash: string) =>
  (await fetch(`${server.url}${artifactPath(hash)}`, { method: "HEAD", headers: auth(tokens[0]) })).status

/** Starts an upload of `size` bytes and sends only `sent` of them. */
const startUpload = async (server: LimitedServer, hash: string, token: string, size: number, sent: number) => {
  const connection = await openConnection(server.url)
  connection.socket.write(uploadHead(hash, token, size))
  if (sent > 0) connection.socket.write(randomBytes(sent))
  return connection
}

describe("uploads slower than the minimum rate", () => {
  let server: LimitedServer
  beforeAll(async () => {
    server = await startServerWithLimits({ minUploadBytesPerSecond: 1000, uploadRateWindowSeconds: 1 })
  })
  afterAll(() => server?.close())

  it("an upload trickling 10 bytes per second is cut off with 408 and stores nothing", async () => {
    const hash = randomHash()
    const connection = await startUpload(server, hash, tokens[0], 100_000, 0)
    const trickle = setInterval(() => connection.socket.write(Buffer.from("x")), 100)
    try {
      const closedAfter = await within(connection.closed, 6_000)
      expect(closedAfter, "the server closed the connection").toBeDefined()
      expect(statusOf(connection.received())).toBe(408)
      expect(connection.received().toString()).toContain("request_timeout")
    } finally {
      clearInterval(trickle)
      connection.socket.destroy()
    }
    expect(await head(server, hash)).toBe(404)
  })

  it("an upload that stalls after its first bytes is cut off within the window", async () => {
    const hash = randomHash()
    const connection = await startUpload(server, hash, tokens[0], 100_000, 5_000)
    try {
      expect(await within(connection.closed, 6_000)).toBeDefined()
      expect(statusOf(connection.received())).toBe(408)
    } finally {
      connection.socket.destroy()
    }
    expect(await head(server, hash)).toBe(404)
  })

  it("a small upload (collected whole before it is written) that stalls is cut off within the window too", async () => {
    const hash = randomHash()
    const connection = await startUpload(server, hash, tokens[0], 1_000, 10)
    try {
      expect(await within(connection.closed, 6_000)).toBeDefined()
      expect(statusOf(connection.received())).toBe(408)
    } finally {
      connection.socket.destroy()
    }
    expect(await head(server, hash)).toBe(404)
  })

  it("a small upload sent at the minimum rate is stored, though it takes longer than the window", async () => {
    // 3,000 bytes at 1,500 bytes per second: 2 s, twice the window, within the 3 s its size is allowed.
    const hash = randomHash()
    const connection = await startUpload(server, hash, tokens[0], 3_000, 300)
    try {
      for (let sent = 300; sent < 3_000; sent += 300) {
        await sleep(200)
        connection.socket.write(randomBytes(300))
      }
      for (let waited = 0; statusOf(connection.received()) === undefined && waited < 3_000; waited += 50) await sleep(50)
      expect(statusOf(connection.received())).toBe(202)
    } finally {
      connection.socket.destroy()
    }
    expect(await head(server, hash)).toBe(200)
  })

  it("a fast upload on the same server is stored", async () => {
    const hash = randomHash()
    const response = await put(server, hash, tokens[0], randomBytes(2 * 1024 * 1024))
    expect(response.status).toBe(202)
    expect(await head(server, hash)).toBe(200)
  })
})

describe("uploads in progress at once", () => {
  let server: LimitedServer
  const held: Array<RawConnection> = []
  beforeAll(async () => {
    // A slow rate floor, so held uploads stay open for the test.
    server = await startServerWithLimits({ maxConcurrentUploads: 3, maxConcurrentUploadsPerToken: 2, minUploadBytesPerSecond: 1, uploadRateWindowSeconds: 60 })
  })
  afterAll(async () => {
    for (const connection of held) connection.socket.destroy()
    await server?.close()
  })

  /** Waits until the server has taken the upload (a slot is held once its body is being read). */
  const hold = async (token: string) => {
    const connection = await startUpload(server, randomHash(), token, 1_000_000, 10)
    held.push(connection)
    await sleep(300)
    return connection
  }

  it("one token gets 429 with Retry-After beyond its share, the server 503 with Retry-After beyond its own, and slots come back", async () => {
    await hold(tokens[0])
    const second = await hold(tokens[0])

    const overToken = await put(server, randomHash(), tokens[0], randomBytes(100))
    expect(overToken.status).toBe(429)
    expect(Number(overToken.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(await overToken.json()).toMatchObject({ error: { code: "rate_limited" } })

    await hold(tokens[1])
    const overServer = await put(server, randomHash(), tokens[1], randomBytes(100))
    expect(overServer.status).toBe(503)
    expect(Number(overServer.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(await overServer.json()).toMatchObject({ error: { code: "too_many_uploads" } })

    // A held upload goes away: its slot is free again.
    second.socket.destroy()
    let status = 0
    for (let attempt = 0; attempt < 20 && status !== 202; attempt++) {
      await sleep(100)
      status = (await put(server, randomHash(), tokens[0], randomBytes(100))).status
    }
    expect(status).toBe(202)
  })
})

describe("connections and request bodies", () => {
  let server: LimitedServer
  beforeAll(async () => {
    server = await startServerWithLimits({}, { bodyTimeoutMillis: 1000, headersTimeoutMillis: 1000, maxConnections: 4 })
  })
  afterAll(() => server?.close())

  it("a JSON body that has not arrived within the body timeout closes its connection", async () => {
    const connection = await openConnection(server.url)
    connection.socket.write(requestHead("POST", `/v8/artifacts/events?slug=${team}`, {
      ...auth(tokens[0]), "content-type": "application/json", "content-length": "1000"
    }))
    connection.socket.write("[{")
    const trickle = setInterval(() => connection.socket.write(" "), 200)
    try {
      const closedAfter = await within(connection.closed, 5_000)
      expect(closedAfter, "the server closed the connection").toBeDefined()
      expect(closedAfter!).toBeGreaterThanOrEqual(900)
    } finally {
      clearInterval(trickle)
      connection.socket.destroy()
    }
  })

  it("a download that takes longer than the body timeout is not cut", async () => {
    const hash = randomHash()
    const bytes = randomBytes(8 * 1024 * 1024)
    expect((await put(server, hash, tokens[0], bytes)).status).toBe(202)
    const connection = await openConnection(server.url)
    connection.socket.write(requestHead("GET", artifactPath(hash), auth(tokens[0])))
    connection.socket.pause()
    await sleep(1_500)
    connection.socket.resume()
    const headerEnd = async () => {
      for (;;) {
        const received = connection.received()
        const end = received.indexOf("\r\n\r\n")
        if (end >= 0 && received.byteLength - end - 4 >= bytes.byteLength) return received.subarray(end + 4)
        await sleep(50)
      }
    }
    const body = await within(headerEnd(), 10_000)
    connection.socket.destroy()
    expect(statusOf(connection.received())).toBe(200)
    expect(body?.equals(bytes)).toBe(true)
  })

  it("a client that does not finish its headers in time gets 408 and is disconnected", async () => {
    const connection = await openConnection(server.url)
    connection.socket.write(`GET /v8/artifacts/status?slug=${team} HTTP/1.1\r\nhost: 127.0.0.1\r\n`)
    const closedAfter = await within(connection.closed, 5_000)
    connection.socket.destroy()
    expect(closedAfter, "the server closed the connection").toBeDefined()
    expect(statusOf(connection.received())).toBe(408)
  })

  it("connections beyond the limit are closed at once; the ones within it are served", async () => {
    // A socket of an earlier test the server has not let go of yet would take a slot: open the four
    // again until the server kept all of them.
    let open = await Promise.all([0, 1, 2, 3].map(() => openConnection(server.url)))
    for (let attempt = 0; attempt < 5; attempt++) {
      await sleep(100)
      const dropped = await Promise.all(open.map((connection) => within(connection.closed, 0)))
      if (dropped.every((closedAfter) => closedAfter === undefined)) break
      for (const connection of open) connection.socket.destroy()
      await sleep(500)
      open = await Promise.all([0, 1, 2, 3].map(() => openConnection(server.url)))
    }
    try {
      const extra = await openConnection(server.url)
      const closedAfter = await within(extra.closed, 2_000)
      expect(closedAfter, "the connection over the limit was closed").toBeDefined()
      expect(extra.received().byteLength).toBe(0)

      const first = open[0]!
      first.socket.write(requestHead("GET", `/v8/artifacts/status?slug=${team}`, auth(tokens[0])))
      await within(new Promise((resolve) => first.socket.once("data", resolve)), 2_000)
      expect(statusOf(first.received())).toBe(200)
    } finally {
      for (const connection of open) connection.socket.destroy()
    }
  })
})
