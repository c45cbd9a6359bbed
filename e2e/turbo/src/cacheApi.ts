import { createHmac } from "node:crypto"

/** Direct requests to Hoard's Remote Cache API, to check what turbo left there. */
export interface CacheClient {
  readonly api: string
  readonly token: string
  readonly team: string
}

const artifactUrl = ({ api, team }: CacheClient, hash: string) =>
  `${api}/v8/artifacts/${hash}?slug=${encodeURIComponent(team)}`

const auth = ({ token }: CacheClient) => ({ authorization: `Bearer ${token}` })

export const headArtifact = (client: CacheClient, hash: string): Promise<Response> =>
  fetch(artifactUrl(client, hash), { method: "HEAD", headers: auth(client) })

export const getArtifact = (client: CacheClient, hash: string): Promise<Response> =>
  fetch(artifactUrl(client, hash), { headers: auth(client) })

/** `POST /v8/artifacts`: the batch existence query turbo sends for `--dry`. */
export const queryArtifacts = async (
  client: CacheClient,
  hashes: ReadonlyArray<string>
): Promise<Record<string, { size: number; taskDurationMs: number; tag?: string } | null>> => {
  const response = await fetch(`${client.api}/v8/artifacts?slug=${encodeURIComponent(client.team)}`, {
    method: "POST",
    headers: { ...auth(client), "content-type": "application/json" },
    body: JSON.stringify({ hashes })
  })
  if (response.status !== 200) throw new Error(`batch query answered ${response.status}: ${await response.text()}`)
  return await response.json() as Record<string, { size: number; taskDurationMs: number; tag?: string } | null>
}

const u64le = (value: number) => {
  const buffer = Buffer.alloc(8)
  buffer.writeBigUInt64LE(BigInt(value))
  return buffer
}

const lengthPrefixed = (bytes: Buffer) => Buffer.concat([u64le(bytes.length), bytes])

/**
 * The `x-artifact-tag` turbo 2.11 computes (`artifact-signature:v2`):
 * base64(HMAC-SHA256(key, len‖"artifact-signature:v2" ‖ len‖hash ‖ len‖teamId ‖ len‖body)).
 * With only a team slug configured, `teamId` is empty.
 */
export const expectedArtifactTag = (key: string, hash: string, teamId: string, body: Buffer): string =>
  createHmac("sha256", Buffer.from(key))
    .update(Buffer.concat([
      lengthPrefixed(Buffer.from("artifact-signature:v2")),
      lengthPrefixed(Buffer.from(hash)),
      lengthPrefixed(Buffer.from(teamId)),
      lengthPrefixed(body)
    ]))
    .digest("base64")
