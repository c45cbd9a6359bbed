import { createHash, randomBytes } from "node:crypto"

export const team = "faults"

export const digest = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

export const randomHash = (): string => randomBytes(8).toString("hex")

/** A client of one server's /v8 API with one token. */
export const cacheClient = (baseUrl: string, token: string, slug = team) => {
  const url = (hash: string) => `${baseUrl}/v8/artifacts/${hash}?slug=${slug}`
  const authorization = `Bearer ${token}`
  return {
    put: (hash: string, body: Uint8Array<ArrayBuffer>, durationMs = 1) =>
      fetch(url(hash), {
        method: "PUT",
        headers: { authorization, "content-type": "application/octet-stream", "x-artifact-duration": String(durationMs) },
        body
      }),
    get: (hash: string) => fetch(url(hash), { headers: { authorization } }),
    head: (hash: string) => fetch(url(hash), { method: "HEAD", headers: { authorization } }),
    status: () => fetch(`${baseUrl}/v8/artifacts/status?slug=${slug}`, { headers: { authorization } })
  }
}
