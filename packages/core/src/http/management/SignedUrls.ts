import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import type { HoardConfigShape } from "../../HoardConfig.ts"

/** What a signed download link grants: one artifact of one team, until `expiresAt`. */
export interface DownloadGrant {
  readonly teamId: string
  readonly hash: string
  /** Milliseconds since the epoch. */
  readonly expiresAt: number
}

/** The parts of a signed link as a request carries them: `/api/v1/downloads/:team/:hash?expires=&signature=`. */
export interface SignedParts {
  readonly teamId: string
  readonly hash: string
  readonly expires: string
  readonly signature: string
}

export type VerifyResult =
  | { readonly _tag: "Valid"; readonly grant: DownloadGrant }
  | { readonly _tag: "Expired"; readonly grant: DownloadGrant }
  | { readonly _tag: "Invalid" }

export interface DownloadSigner {
  /** How long a new link is valid, in seconds. */
  readonly ttlSeconds: number
  /** Signs a link valid for `ttlSeconds` from `now` (ms). */
  readonly sign: (artifact: { readonly teamId: string; readonly hash: string }, now: number) => {
    readonly expiresAt: number
    readonly signature: string
  }
  /** Checks the signature (in constant time) first, then the expiry. */
  readonly verify: (parts: SignedParts, now: number) => VerifyResult
}

/**
 * Used when no `downloadUrlSecret` is configured. Links signed by one process
 * do not verify in another: replicas behind one address need a shared
 * `downloadUrlSecret`.
 */
const processSecret = randomBytes(32)

/**
 * Signs and verifies download links: the signature is
 * `base64url(HMAC-SHA256(secret, "hoard-download:v1:<teamId>:<hash>:<expiresAt ms>"))`.
 * Team ids and hashes never contain `:`.
 */
export const makeDownloadSigner = (
  config: Pick<HoardConfigShape, "downloadUrlSecret" | "downloadUrlTtlSeconds">
): DownloadSigner => {
  const secret = config.downloadUrlSecret === undefined ? processSecret : Buffer.from(config.downloadUrlSecret, "utf8")
  const ttlSeconds = config.downloadUrlTtlSeconds
  const signatureOf = (teamId: string, hash: string, expiresAt: string): string =>
    createHmac("sha256", secret).update(`hoard-download:v1:${teamId}:${hash}:${expiresAt}`).digest("base64url")
  return {
    ttlSeconds,
    sign: ({ hash, teamId }, now) => {
      const expiresAt = Math.floor(now + ttlSeconds * 1000)
      return { expiresAt, signature: signatureOf(teamId, hash, String(expiresAt)) }
    },
    verify: ({ expires, hash, signature, teamId }, now) => {
      if (!/^[0-9]{1,15}$/u.test(expires) || teamId.includes(":") || hash.includes(":")) return { _tag: "Invalid" }
      // Compared as base64url text, in constant time; timingSafeEqual needs equal lengths,
      // and a wrong length reveals nothing about the secret.
      const given = Buffer.from(signature, "utf8")
      const expected = Buffer.from(signatureOf(teamId, hash, expires), "utf8")
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { _tag: "Invalid" }
      const grant: DownloadGrant = { teamId, hash, expiresAt: Number(expires) }
      return grant.expiresAt <= now ? { _tag: "Expired", grant } : { _tag: "Valid", grant }
    }
  }
}

/** The path and query of a signed link, relative to Hoard's base URL. */
export const signedDownloadPath = (
  signer: DownloadSigner,
  artifact: { readonly teamId: string; readonly hash: string },
  now: number
): string => {
  const { expiresAt, signature } = signer.sign(artifact, now)
  return `/api/v1/downloads/${encodeURIComponent(artifact.teamId)}/${artifact.hash}?expires=${expiresAt}&signature=${signature}`
}
