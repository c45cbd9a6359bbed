import { randomBytes } from "node:crypto"
import { request as httpRequest } from "node:http"
import type { IncomingMessage } from "node:http"
import { MemoryStorage } from "@hoard/storage-memory"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHoardServer } from "../src/index.ts"

// Uploads through node:http are read from the request's `data` events
// (src/uploadBody.ts), not through the platform's stream: these check what
// that reader must keep of the platform's behaviour.

const token = "upload-body-token"
const auth = { authorization: `Bearer ${token}` }
let server: Awaited<ReturnType<typeof startHoardServer>>

beforeAll(async () => {
  server = await startHoardServer({ storage: MemoryStorage.layer(), tokens: [token], port: 0 })
})
afterAll(() => server.close())

const artifactUrl = (hash: string) => `${server.url}/v8/artifacts/${hash}?slug=team`
const uploadHeaders = (size: number) => ({ ...auth, "content-type": "application/octet-stream", "content-length": String(size) })

const download = async (hash: string): Promise<{ status: number; bytes: Buffer }> => {
  const response = await fetch(artifactUrl(hash), { headers: auth })
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) }
}

const statusOf = (response: IncomingMessage): Promise<number> =>
  new Promise((resolve) => {
    response.resume()
    response.on("end", () => resolve(response.statusCode ?? 0))
  })

describe("upload bodies through node:http", () => {
  it("answers Expect: 100-continue before the body is sent, and stores the body", async () => {
    const hash = randomBytes(8).toString("hex")
    const body = randomBytes(3 * 1024 * 1024)
    const events: Array<string> = []
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(artifactUrl(hash), {
        method: "PUT",
        headers: { ...uploadHeaders(body.byteLength), expect: "100-continue" }
      }, (response) => resolve(statusOf(response)))
      request.on("error", reject)
      // A server that never sent 100 would leave the request waiting: fail fast instead of at the test timeout.
      const noContinue = setTimeout(() => reject(new Error("no 100 Continue within 2 s")), 2000)
      // Node sends the body only once the server says continue.
      request.on("continue", () => {
        clearTimeout(noContinue)
        events.push("continue")
        request.end(body)
      })
    })
    expect(events).toEqual(["continue"])
    expect(status).toBe(202)
    const stored = await download(hash)
    expect(stored.status).toBe(200)
    expect(stored.bytes.equals(body)).toBe(true)
  })

  it("stores every byte of a body that arrives in many small, spaced writes", async () => {
    const hash = randomBytes(8).toString("hex")
    const body = randomBytes(1024 * 1024 + 17)
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(artifactUrl(hash), { method: "PUT", headers: uploadHeaders(body.byteLength) }, (response) =>
        resolve(statusOf(response)))
      request.on("error", reject)
      let offset = 0
      const next = () => {
        if (offset >= body.byteLength) return request.end()
        const size = offset % 3 === 0 ? 1000 : 70_000
        request.write(body.subarray(offset, offset + size))
        offset += size
        setImmediate(next)
      }
      next()
    })
    expect(status).toBe(202)
    const stored = await download(hash)
    expect(stored.bytes.equals(body)).toBe(true)
  })

  it("stores nothing of an upload whose client goes away mid-body, and keeps serving", async () => {
    const hash = randomBytes(8).toString("hex")
    const outcome = await new Promise<string>((resolve) => {
      const request = httpRequest(artifactUrl(hash), { method: "PUT", headers: uploadHeaders(8 * 1024 * 1024) }, (response) =>
        resolve(`status ${response.statusCode}`))
      request.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"))
      request.write(randomBytes(512 * 1024), () => setTimeout(() => request.destroy(), 50))
    })
    expect(outcome).toBe("ECONNRESET")
    // Time for the server to notice the close and give the upload up.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await download(hash)).status).toBe(404)
    const after = randomBytes(8).toString("hex")
    const put = await fetch(artifactUrl(after), { method: "PUT", headers: uploadHeaders(5), body: "hello" })
    expect(put.status).toBe(202)
    expect((await download(after)).bytes.toString()).toBe("hello")
  })
})
