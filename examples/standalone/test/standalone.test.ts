import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, it } from "vitest"
import { startStandalone } from "../src/server.ts"

it("serves turbo's upload and download on the local disk", async () => {
  const server = await startStandalone({ directory: mkdtempSync(join(tmpdir(), "hoard-example-")), tokens: ["t0ken"], port: 0 })
  const url = server.url.replace("0.0.0.0", "127.0.0.1")
  const headers = { authorization: "Bearer t0ken" }
  const put = await fetch(`${url}/v8/artifacts/abc?slug=acme`, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/octet-stream", "x-artifact-duration": "12" },
    body: "bytes"
  })
  expect(put.status).toBe(202)
  const get = await fetch(`${url}/v8/artifacts/abc?slug=acme`, { headers })
  expect([get.status, get.headers.get("x-artifact-duration"), await get.text()]).toEqual([200, "12", "bytes"])
  await server.close()
})
