import { randomBytes } from "node:crypto"
import type { ChildServer } from "./childServer.ts"
import { artifactPath, downloadHeaders, hashOf, uploadHeaders } from "./protocol.ts"
import { KiB } from "./units.ts"

/**
 * Before anything is measured: the benchmark's four kinds of request get the
 * answers its load generators count as success, on this server. A PUT is
 * accepted, a GET of it returns the same bytes, and a GET and a HEAD of a
 * hash nobody uploaded answer 404.
 */
export const checkProtocol = async (server: ChildServer): Promise<void> => {
  const url = (hash: string) => new URL(artifactPath(hash), server.url)
  const fail = (what: string) => {
    throw new Error(`${server.name} does not answer the benchmark's requests as expected: ${what}`)
  }
  const body = randomBytes(KiB)
  const hash = hashOf(0xf0, 1)
  const missing = hashOf(0xf0, 2)

  const put = await fetch(url(hash), { method: "PUT", headers: uploadHeaders, body })
  await put.arrayBuffer()
  if (!put.ok) fail(`PUT answered ${put.status}`)

  const hit = await fetch(url(hash), { headers: downloadHeaders })
  const received = Buffer.from(await hit.arrayBuffer())
  if (hit.status !== 200) fail(`GET of an uploaded artifact answered ${hit.status}`)
  if (!received.equals(body)) fail(`GET returned ${received.byteLength} bytes that differ from the ${body.byteLength} uploaded`)

  for (const method of ["GET", "HEAD"] as const) {
    const miss = await fetch(url(missing), { method, headers: downloadHeaders })
    await miss.arrayBuffer()
    if (miss.status !== 404) fail(`${method} of a missing artifact answered ${miss.status}`)
  }
}
