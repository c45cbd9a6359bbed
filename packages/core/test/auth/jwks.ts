import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import type { Scope } from "effect"
import { exportJWK, generateKeyPair } from "jose"
import type { CryptoKey, JWK } from "jose"

export interface SigningKey {
  readonly alg: "RS256" | "ES256"
  readonly kid: string
  readonly privateKey: CryptoKey
  /** The public half as a JWKS member. */
  readonly jwk: JWK
}

export const makeSigningKey = (alg: "RS256" | "ES256", kid: string): Effect.Effect<SigningKey> =>
  Effect.promise(async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg)
    return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } }
  })

export interface JwksServer {
  readonly url: string
  /** Replaces the served key set. */
  keys: ReadonlyArray<JWK>
  /** How many times the key set was fetched. */
  fetches: number
}

/**
 * A JWKS endpoint on 127.0.0.1, closed with the scope. `respond: false` makes
 * it accept requests and never answer.
 */
export const serveJwks = (
  keys: ReadonlyArray<JWK>,
  options: { readonly respond?: boolean } = {}
): Effect.Effect<JwksServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ server: ReturnType<typeof createServer>; jwks: JwksServer }>((resume) => {
      const jwks = { url: "", keys, fetches: 0 }
      const server = createServer((_request, response) => {
        jwks.fetches++
        if (options.respond === false) return
        response.writeHead(200, { "content-type": "application/json" })
        response.end(JSON.stringify({ keys: jwks.keys }))
      })
      server.listen(0, "127.0.0.1", () => {
        jwks.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`
        resume(Effect.succeed({ server, jwks }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ jwks }) => jwks))

/** A URL where nothing listens: a server's address after it closed. */
export const deadUrl: Effect.Effect<string> = Effect.scoped(serveJwks([]).pipe(Effect.map((jwks) => jwks.url)))
