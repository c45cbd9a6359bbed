import type { CacheClient } from "./cacheApi.ts"

/** What `GET /api/v1/teams/:team/retention` says about the whole cache. */
export interface CacheRetention {
  readonly storage_bytes: number
  readonly artifact_count: number
  readonly max_size_bytes: number | null
  readonly evicted: { readonly count: number; readonly bytes: number }
}

/** The whole cache's figures, through the management API (which first applies the server's queued index writes). */
export const readCacheRetention = async ({ api, team, token }: CacheClient): Promise<CacheRetention> => {
  const response = await fetch(`${api}/api/v1/teams/${encodeURIComponent(team)}/retention`, {
    headers: { authorization: `Bearer ${token}` }
  })
  if (response.status !== 200) throw new Error(`GET .../retention answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { cache: CacheRetention }).cache
}

/** `PUT /v8/artifacts/:hash`, as another client's upload. */
export const putArtifact = (client: CacheClient, hash: string, body: Uint8Array<ArrayBuffer>): Promise<Response> =>
  fetch(`${client.api}/v8/artifacts/${hash}?slug=${encodeURIComponent(client.team)}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${client.token}`, "content-type": "application/octet-stream" },
    body
  })
