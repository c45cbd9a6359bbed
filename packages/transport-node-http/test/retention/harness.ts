/**
 * Servers for the retention tests: real HTTP on loopback over real storage
 * and a real index, with the evictor reachable so a test can run a round
 * when it wants one (`runOnce`) instead of waiting for the interval.
 */
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import { AccessConfig, ArtifactStorage, CacheIndex, Evictor, Hoard } from "@hoard/core"
import type { CacheIndexShape, HoardOptions, HoardServices } from "@hoard/core"
import { afterAll } from "vitest"
import { serve } from "../../src/index.ts"
import type { NodeServerOptions } from "../../src/index.ts"
import { bearer } from "../management/harness.ts"

export { api, bearer, eventually, expectErrorBody, randomHash, sleep } from "../management/harness.ts"

export const tokens = {
  /** Admin of every team. */
  admin: "retention-admin-0123456789",
  /** Read-write on alpha only: not allowed to purge. */
  writer: "retention-writer-0123456789"
} as const

export const teams = {
  alpha: { id: "team_alpha", slug: "alpha" },
  beta: { id: "team_beta", slug: "beta" }
} as const

/** The two test teams and their tokens, with optional per-team budgets (`maxSize`). */
export const accessWith = (budgets: { readonly alpha?: number; readonly beta?: number } = {}): AccessConfig =>
  Schema.decodeUnknownSync(AccessConfig)({
    teams: [
      { id: teams.alpha.id, slug: teams.alpha.slug, ...(budgets.alpha !== undefined && { maxSize: budgets.alpha }) },
      { id: teams.beta.id, slug: teams.beta.slug, ...(budgets.beta !== undefined && { maxSize: budgets.beta }) }
    ],
    tokens: [
      { name: "admin", token: tokens.admin, teams: { "*": "admin" } },
      { name: "writer", token: tokens.writer, teams: { alpha: "read-write" } }
    ]
  })

export interface RetentionServer {
  readonly url: string
  /** One eviction round now, as the background loop runs it. */
  readonly runOnce: () => Promise<Evictor.RoundResult>
  /** The server's own index (for checks the HTTP API does not offer). */
  readonly index: CacheIndexShape
  /** Every service of the server. */
  readonly context: Context.Context<HoardServices>
  readonly close: () => Promise<void>
}

/** A Hoard server on a loopback port whose services stay reachable. */
export const startRetentionServer = async <E, EI>(
  options: Omit<HoardOptions<E, EI>, "access"> & { readonly access?: AccessConfig } & NodeServerOptions
): Promise<RetentionServer> => {
  const scope = Scope.makeUnsafe()
  try {
    const { context, server } = await Effect.runPromise(
      Effect.gen(function*() {
        const context = yield* Layer.buildWithScope(Hoard.layer({ access: accessWith(), ...options }), scope)
        const server = yield* serve({ ...options, port: 0 }).pipe(Effect.provideContext(context), Scope.provide(scope))
        return { context, server }
      })
    )
    const evictor = Context.get(context, Evictor.Evictor)
    let closed: Promise<void> | undefined
    return {
      url: server.url,
      runOnce: () => Effect.runPromise(evictor.runOnce),
      index: Context.get(context, CacheIndex),
      context,
      close: () => (closed ??= Effect.runPromise(Scope.close(scope, Exit.void)))
    }
  } catch (error) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  }
}

/** A temporary directory removed after the file's tests. */
export const tempDir = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `hoard-retention-${name}-`))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The files under `dir` (recursively) and the sum of their sizes: what the storage really occupies. */
export const diskUsage = (dir: string): { readonly files: number; readonly bytes: number } => {
  let files = 0
  let bytes = 0
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) {
        try {
          bytes += statSync(path).size
          files += 1
        } catch {
          // Removed between the listing and the stat: not there any more.
        }
      }
    }
  }
  walk(dir)
  return { files, bytes }
}

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** Random bytes to upload. */
export const artifact = (size: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(size))

export interface PutResult {
  readonly status: number
  readonly headers: Headers
  readonly body: string
}

/** `PUT /v8/artifacts/:hash` as turbo sends it; the whole answer. */
export const put = async (
  url: string,
  team: string,
  hash: string,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
  token: string = tokens.admin
): Promise<PutResult> => {
  const response = await fetch(`${url}/v8/artifacts/${hash}?slug=${team}`, {
    method: "PUT",
    headers: { ...bearer(token), "content-type": "application/octet-stream", "x-artifact-duration": "100", ...headers },
    body
  })
  return { status: response.status, headers: response.headers, body: await response.text() }
}

/** `GET /v8/artifacts/:hash`: the status and the bytes. */
export const get = async (
  url: string,
  team: string,
  hash: string,
  token: string = tokens.admin
): Promise<{ readonly status: number; readonly bytes: Uint8Array }> => {
  const response = await fetch(`${url}/v8/artifacts/${hash}?slug=${team}`, { headers: bearer(token) })
  return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()) }
}

/** A management API call with a JSON body. */
export const postJson = async (url: string, path: string, body: unknown, token: string = tokens.admin) => {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
}

/** `GET /api/v1/teams/:team/retention`. */
export const retention = async (url: string, team: string, token: string = tokens.admin): Promise<any> => {
  const response = await fetch(`${url}/api/v1/teams/${team}/retention`, { headers: bearer(token) })
  if (response.status !== 200) throw new Error(`retention of ${team}: ${response.status} ${await response.text()}`)
  return response.json()
}

export const hashes = (count: number): Array<string> => Array.from({ length: count }, () => randomBytes(8).toString("hex"))

/**
 * Storage whose deletes wait while `held` is set: an evictor that cannot keep
 * up (a slow bucket), so uploads meet the hard ceiling. `release` lets the
 * waiting deletes through.
 */
export const deletesHeld = <E>(storage: Layer.Layer<ArtifactStorage, E>): {
  readonly layer: Layer.Layer<ArtifactStorage, E>
  readonly release: () => void
} => {
  let held = true
  let waiting: Array<() => void> = []
  const layer = Layer.effect(
    ArtifactStorage,
    Effect.map(Effect.service(ArtifactStorage), (inner) =>
      ArtifactStorage.of({
        ...inner,
        delete: (key) =>
          Effect.andThen(
            Effect.promise(() => held ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
            inner.delete(key)
          )
      }))
  ).pipe(Layer.provide(storage))
  const release = () => {
    held = false
    for (const resume of waiting) resume()
    waiting = []
  }
  return { layer, release }
}
