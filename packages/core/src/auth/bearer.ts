import * as crypto from "node:crypto"

const { createHash, timingSafeEqual } = crypto

// Synchronous on purpose: this runs on every request, and WebCrypto's digest
// is a thread-pool round trip. node:crypto is also available in Deno, Bun and
// Workers (nodejs_compat). Node's one-shot `hash` (Node 21.7+) makes no Hash
// object, a third faster than createHash; runtimes without it use createHash.
export const sha256: (value: string) => Buffer = typeof crypto.hash === "function"
  ? (value) => crypto.hash("sha256", value, "buffer")
  : (value) => createHash("sha256").update(value).digest()

/** The token of an `Authorization: Bearer <token>` header, or why there is none. */
export const parseBearer = (
  authorization: string | undefined
): { readonly token: string } | { readonly problem: string } => {
  if (authorization === undefined) {
    return { problem: "missing Authorization header: send `Authorization: Bearer <token>`" }
  }
  const token = /^Bearer[ \t]+(\S+)[ \t]*$/iu.exec(authorization)?.[1]
  return token === undefined ? { problem: "malformed Authorization header: expected `Bearer <token>`" } : { token }
}

/**
 * The entry whose SHA-256 `digest` equals `digest`. Digests have one length, so
 * timingSafeEqual applies; every entry is compared, so the time taken does not
 * tell which one matched.
 */
export const findByDigest = <A extends { readonly digest: Buffer }>(
  entries: ReadonlyArray<A>,
  digest: Buffer
): A | undefined => {
  let found: A | undefined
  for (const entry of entries) {
    if (timingSafeEqual(entry.digest, digest)) found ??= entry
  }
  return found
}

/** Most accepted tokens `makeTokenLookup` remembers. */
const rememberedTokens = 64

/**
 * Finds the entry a presented token belongs to (by its SHA-256 digest, with
 * `findByDigest`). Hashing costs microseconds on every request, so the tokens
 * recently accepted are remembered by value: a known token skips the hash.
 * Only accepted tokens are remembered (at most 64, forgotten all at once when
 * full), so unknown ones cannot fill it and always take the constant-time path.
 */
export const makeTokenLookup = <A extends { readonly digest: Buffer }>(
  entries: ReadonlyArray<A>
): (token: string) => A | undefined => {
  const accepted = new Map<string, A>()
  return (token) => {
    const remembered = accepted.get(token)
    if (remembered !== undefined) return remembered
    const found = findByDigest(entries, sha256(token))
    if (found !== undefined) {
      if (accepted.size >= rememberedTokens) accepted.clear()
      accepted.set(token, found)
    }
    return found
  }
}

/**
 * The password of an `Authorization: Basic <base64(user:password)>` header, or
 * `undefined` when the header is not Basic. Gradle, ccache and Bazel send a
 * URL's credentials this way; their protocols take a Hoard token as the password.
 */
export const basicPassword = (authorization: string | undefined): string | undefined => {
  const encoded = authorization === undefined ? undefined : /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/iu.exec(authorization)?.[1]
  if (encoded === undefined) return undefined
  const decoded = Buffer.from(encoded, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  return colon === -1 ? undefined : decoded.slice(colon + 1)
}
