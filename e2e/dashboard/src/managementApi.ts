import { randomBytes } from "node:crypto"

/** Direct requests to Hoard, to set the scene and to check what the dashboard shows. */
export interface Hoard {
  readonly url: string
  readonly token: string
  readonly team: string
}

export interface Analytics {
  readonly hits: { readonly local: number; readonly remote: number }
  readonly misses: { readonly local: number; readonly remote: number }
  readonly hit_rate: { readonly local: number | null; readonly remote: number | null }
  readonly time_saved_ms: number
  readonly uploads: number
  readonly downloads: number
  readonly artifact_count: number
}

export interface ArtifactRecord {
  readonly hash: string
  readonly size: number | null
  readonly status: string
  readonly sha: string | null
}

const auth = (hoard: Hoard) => ({ authorization: `Bearer ${hoard.token}` })

const getJson = async <A>(hoard: Hoard, path: string): Promise<A> => {
  const response = await fetch(`${hoard.url}/api/v1/teams/${hoard.team}${path}`, { headers: auth(hoard) })
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`)
  return await response.json() as A
}

export const analytics = (hoard: Hoard) => getJson<Analytics>(hoard, "/analytics")

export const retention = (hoard: Hoard) => getJson<{ readonly artifact_count: number; readonly storage_bytes: number; readonly quota_bytes: number | null }>(hoard, "/retention")

export const listArtifacts = async (hoard: Hoard, query = ""): Promise<ReadonlyArray<ArtifactRecord>> =>
  (await getJson<{ artifacts: ReadonlyArray<ArtifactRecord> }>(hoard, `/artifacts?limit=1000${query}`)).artifacts

export const randomHash = (): string => randomBytes(10).toString("hex")

/** `PUT /v8/artifacts/:hash`, as turbo uploads; `size` random bytes. */
export const putArtifact = async (hoard: Hoard, hash: string, size: number, sha: string): Promise<void> => {
  const response = await fetch(`${hoard.url}/v8/artifacts/${hash}?slug=${hoard.team}`, {
    method: "PUT",
    headers: { ...auth(hoard), "content-type": "application/octet-stream", "x-artifact-duration": "250", "x-artifact-sha": sha },
    body: randomBytes(size)
  })
  if (response.status !== 202 && response.status !== 200) throw new Error(`PUT ${hash} answered ${response.status}: ${await response.text()}`)
}

/** `GET /v8/artifacts/:hash` of an artifact nobody uploaded: Hoard records it as `missing`. */
export const missArtifact = async (hoard: Hoard, hash: string): Promise<void> => {
  const response = await fetch(`${hoard.url}/v8/artifacts/${hash}?slug=${hoard.team}`, { headers: auth(hoard) })
  await response.arrayBuffer()
  if (response.status !== 404) throw new Error(`GET of unknown ${hash} answered ${response.status}`)
}

/** Polls `read` until `done` holds (index writes are batched in the background), or fails after `timeoutMillis`. */
export const waitFor = async <A>(
  what: string,
  read: () => Promise<A>,
  done: (value: A) => boolean,
  timeoutMillis = 20_000
): Promise<A> => {
  const deadline = Date.now() + timeoutMillis
  let last: A | undefined
  while (Date.now() < deadline) {
    last = await read()
    if (done(last)) return last
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`timed out after ${timeoutMillis} ms waiting for ${what}; last: ${JSON.stringify(last)}`)
}
