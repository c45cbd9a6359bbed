import { expect, it } from "vitest"
import { createHoard } from "../src/hoard.ts"

it("answers Requests directly, no server needed", async () => {
  const hoard = createHoard(["fetch-token"])
  const headers = { authorization: "Bearer fetch-token" }
  const put = await hoard.fetch(new Request("http://cache.local/v8/artifacts/cafe?slug=acme", {
    method: "PUT",
    headers: { ...headers, "content-type": "application/octet-stream", "content-length": "5", "x-artifact-duration": "3" },
    body: "bytes"
  }))
  expect(put.status).toBe(202)
  const get = await hoard.fetch(new Request("http://cache.local/v8/artifacts/cafe?slug=acme", { headers }))
  expect([get.status, get.headers.get("x-artifact-duration"), await get.text()]).toEqual([200, "3", "bytes"])
  const query = await hoard.fetch(new Request("http://cache.local/v8/artifacts?slug=acme", {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ hashes: ["cafe", "f00d"] })
  }))
  expect(await query.json()).toEqual({ cafe: { size: 5, taskDurationMs: 3 }, f00d: null })
  await hoard.close()
})
