import { createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { randomBytes } from "node:crypto"
import { Effect, Layer } from "effect"
import { ArtifactStorage } from "@hoard/core"
import { MemoryStorage } from "@hoard/storage-memory"
import { describe, expect, it } from "vitest"
import { createHoardHandler, startHoardServer } from "../src/index.ts"

const token = "lifecycle-token"
const auth = { authorization: `Bearer ${token}` }

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })

/** A storage whose construction takes a while, as a cloud readiness check does. */
const slowStorage = (millis: number) =>
  Layer.effect(ArtifactStorage, Effect.sleep(millis).pipe(Effect.as(MemoryStorage.make())))

describe("node-http server lifecycle", () => {
  it("never leaves a request hanging while it starts: the port opens only when the app is ready", async () => {
    const port = await freePort()
    const starting = startHoardServer({ storage: slowStorage(1500), tokens: [token], port })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const early = await fetch(`http://127.0.0.1:${port}/v8/artifacts/status`, {
      headers: auth,
      signal: AbortSignal.timeout(1000)
    }).then(() => "answered", (error: Error) => (error.cause as NodeJS.ErrnoException | undefined)?.code ?? error.name)
    expect(early).toBe("ECONNREFUSED")
    const server = await starting
    const ready = await fetch(`${server.url}/v8/artifacts/status`, { headers: auth })
    expect(ready.status).toBe(200)
    await server.close()
  })

  it("shuts down gracefully: an upload cut off by shutdown stores nothing", async () => {
    const server = await startHoardServer({
      storage: MemoryStorage.layer(),
      tokens: [token],
      port: 0,
      shutdownGraceMillis: 300
    })
    const hash = randomBytes(8).toString("hex")
    const upload = new Promise<string>((resolve) => {
      const request = httpRequest(`${server.url}/v8/artifacts/${hash}?slug=team`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/octet-stream", "content-length": String(4 * 1024 * 1024) }
      }, (response) => resolve(`status ${response.statusCode}`))
      request.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"))
      request.write(randomBytes(64 * 1024))
      // The rest of the body never comes.
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = Date.now()
    await server.close()
    expect(Date.now() - started).toBeLessThan(3000)
    expect(await upload).toMatch(/ECONNRESET|socket hang up|status/)
    const refused = await fetch(`${server.url}/v8/artifacts/status`).then(() => "answered", () => "refused")
    expect(refused).toBe("refused")
  })

  it("lets in-flight requests finish within the grace period", async () => {
    const server = await startHoardServer({ storage: MemoryStorage.layer(), tokens: [token], port: 0 })
    const hash = randomBytes(8).toString("hex")
    const body = randomBytes(2 * 1024 * 1024)
    const upload = fetch(`${server.url}/v8/artifacts/${hash}?slug=team`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream" },
      body
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const closing = server.close()
    expect((await upload).status).toBe(202)
    await closing
  })

  it("passes requests outside its base path to next() when mounted as middleware", async () => {
    const hoard = await createHoardHandler({ storage: MemoryStorage.layer(), tokens: [token], basePath: "/cache" })
    const host = createServer((request, response) =>
      hoard.handler(request, response, () => {
        response.statusCode = 299
        response.end("host route")
      })
    )
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve))
    const { port } = host.address() as AddressInfo
    const outside = await fetch(`http://127.0.0.1:${port}/other`)
    expect([outside.status, await outside.text()]).toEqual([299, "host route"])
    const inside = await fetch(`http://127.0.0.1:${port}/cache/v8/artifacts/status`, { headers: auth })
    expect(await inside.json()).toEqual({ status: "enabled" })
    await new Promise((resolve) => host.close(resolve))
    await hoard.close()
  })
})
