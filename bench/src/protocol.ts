/** The requests the benchmark sends, as turbo sends them (turbo-protocol.md §0, §2). */

export const benchToken = "hoard-bench-token"
export const benchTeam = "bench"

export const artifactPath = (hash: string): string => `/v8/artifacts/${hash}?slug=${benchTeam}`

export const authorizationHeader = { authorization: `Bearer ${benchToken}` } as const

/** PUT headers turbo always sends (Content-Length is added by the client). */
export const uploadHeaders = {
  ...authorizationHeader,
  "content-type": "application/octet-stream",
  "x-artifact-duration": "1234",
  "user-agent": "turbo 2.11.11 1.98.0-nightly linux x86_64"
} as const

export const downloadHeaders = {
  ...authorizationHeader,
  "user-agent": "turbo 2.11.11 1.98.0-nightly linux x86_64"
} as const

/**
 * A 16-hex-character hash (turbo's shape) built from a family tag and a
 * number, so rows never collide: `hashOf(0xa1, 7)` is `a100000000000007`.
 */
export const hashOf = (family: number, n: number): string =>
  family.toString(16).padStart(2, "0") + n.toString(16).padStart(14, "0")
