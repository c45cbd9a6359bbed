import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { createApp } from "../src/app.ts"

let server: Server
let close: () => Promise<void>
let origin: string
const auth = { authorization: "Bearer express-token" }

beforeAll(async () => {
  const created = await createApp({ directory: mkdtempSync(join(tmpdir(), "hoard-express-")), tokens: ["express-token"] })
  close = created.close
  server = created.app.listen(0, "127.0.0.1")
  await new Promise((resolve) => server.once("listening", resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await close()
})

it("keeps the app's own routes working", async () => {
  expect(await (await fetch(`${origin}/health`)).json()).toEqual({ ok: true })
  const echo = await fetch(`${origin}/api/echo`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ a: 1 })
  })
  expect(await echo.json()).toEqual({ echo: { a: 1 } })
})

it("serves the remote cache under /cache, streaming bodies past Express", async () => {
  const body = randomBytes(3 * 1024 * 1024)
  const put = await fetch(`${origin}/cache/v8/artifacts/beef?slug=acme`, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/octet-stream", "x-artifact-duration": "7" },
    body
  })
  expect(put.status).toBe(202)
  const get = await fetch(`${origin}/cache//v8/artifacts/beef?slug=acme`, { headers: auth })
  expect(get.status).toBe(200)
  expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true)
  expect((await fetch(`${origin}/cache/v8/artifacts/status`)).status).toBe(401)
})
