import { mkdirSync, readFileSync } from "node:fs"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { startChildServer } from "./childServer.ts"
import type { ChildServer } from "./childServer.ts"
import { authorizationHeader, benchToken } from "./protocol.ts"
import { GiB } from "./units.ts"

/** Hoard; turborepo-remote-cache (the incumbent peer); a minimal raw node:http server (the floor). */
export type ServerKind = "hoard" | "trrc" | "raw"

export const serverKinds: ReadonlyArray<ServerKind> = ["hoard", "trrc", "raw"]

/** One value per server. */
export const perServer = <A>(make: (kind: ServerKind) => A): Record<ServerKind, A> =>
  Object.fromEntries(serverKinds.map((kind) => [kind, make(kind)])) as Record<ServerKind, A>

/** The order of the servers in a round and row: it rotates, so none always runs on the calmer (or noisier) side. */
export const rotatedKinds = (round: number, rowIndex: number): ReadonlyArray<ServerKind> => {
  const shift = (round + rowIndex) % serverKinds.length
  return [...serverKinds.slice(shift), ...serverKinds.slice(0, shift)]
}

export interface ServerOptions {
  /** Holds `<kind>` (artifacts) and `<kind>-data`. */
  readonly workDirectory: string
  readonly repoRoot: string
  readonly hoardNodeArgs: ReadonlyArray<string>
  readonly rawNodeArgs: ReadonlyArray<string>
  readonly rawFsync: boolean
  /** Appended to `hoard serve`. */
  readonly hoardArgs?: ReadonlyArray<string>
  /** The `hoard` bin to run (`hoardInstall.ts` picks it). */
  readonly hoardBin: string
  readonly trrcNodeArgs?: ReadonlyArray<string>
  /** Each server runs under `taskset -c <serverCpu>` when set. */
  readonly serverCpu?: number | undefined
}

/** The `hoard` bin of the @hoard/cli dependency: this checkout's TypeScript source. */
export const hoardBin = (): string => join(dirname(fileURLToPath(import.meta.resolve("@hoard/cli"))), "bin.ts")

const trrcManifestFile = (): string => fileURLToPath(import.meta.resolve("turborepo-remote-cache/package.json"))
const trrcManifest = (): { readonly version: string; readonly bin: Record<string, string> } =>
  JSON.parse(readFileSync(trrcManifestFile(), "utf8")) as { version: string; bin: Record<string, string> }

/** The `turborepo-remote-cache` bin of that dependency, read from its package.json. */
export const trrcBin = (): string =>
  join(dirname(trrcManifestFile()), trrcManifest().bin["turborepo-remote-cache"] ?? "dist/cli.js")

export const trrcVersion = (): string => trrcManifest().version

const rawServerScript = fileURLToPath(new URL("./rawServer.ts", import.meta.url))

/** A port nobody listens on right now, for a server that cannot be told `--port 0`. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })

const pinned = (options: ServerOptions) => (options.serverCpu === undefined ? {} : { cpu: options.serverCpu })

/** `hoard serve` as a user runs it: fs storage, one token, warnings only. */
const startHoard = (options: ServerOptions): Promise<ChildServer> =>
  startChildServer({
    name: "hoard",
    cwd: options.repoRoot,
    args: [
      ...options.hoardNodeArgs,
      options.hoardBin,
      "serve",
      "--port", "0",
      "--storage", join(options.workDirectory, "hoard"),
      "--token", benchToken,
      "--data-dir", join(options.workDirectory, "hoard-data"),
      "--log-level", "warn",
      ...(options.hoardArgs ?? [])
    ],
    urlPattern: /Hoard is listening on (http:\/\/\S+)/u,
    ...pinned(options)
  })

/**
 * turborepo-remote-cache as its README runs it: the bin, configured by
 * environment variables, local storage, one static token. At `warn` it prints
 * no banner, so readiness is polled on `/v8/artifacts/status`.
 */
const startTrrc = async (options: ServerOptions): Promise<ChildServer> => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  return startChildServer({
    name: "trrc",
    cwd: options.repoRoot,
    args: [...(options.trrcNodeArgs ?? []), trrcBin()],
    env: {
      NODE_ENV: "production",
      AUTH_MODE: "static",
      STORAGE_PROVIDER: "local",
      STORAGE_PATH: join(options.workDirectory, "trrc"),
      STORAGE_PATH_USE_TMP_FOLDER: "false",
      TURBO_TOKEN: benchToken,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      // It buffers a whole upload in memory; the memory phase sends 500 MiB in one PUT.
      BODY_LIMIT: String(GiB)
    },
    readinessProbe: { url, path: "/v8/artifacts/status", headers: authorizationHeader },
    ...pinned(options)
  })
}

const startRaw = (options: ServerOptions): Promise<ChildServer> => {
  mkdirSync(join(options.workDirectory, "raw"), { recursive: true })
  return startChildServer({
    name: "raw",
    cwd: options.repoRoot,
    args: [
      ...options.rawNodeArgs,
      rawServerScript,
      "--port", "0",
      "--storage", join(options.workDirectory, "raw"),
      "--token", benchToken,
      ...(options.rawFsync ? ["--fsync"] : [])
    ],
    urlPattern: /raw server listening on (http:\/\/\S+)/u,
    ...pinned(options)
  })
}

const starters: Record<ServerKind, (options: ServerOptions) => Promise<ChildServer>> = {
  hoard: startHoard,
  trrc: startTrrc,
  raw: startRaw
}

export const startServer = (kind: ServerKind, options: ServerOptions): Promise<ChildServer> => starters[kind](options)

export type ServerSet = Record<ServerKind, ChildServer>

/** Starts all three, one after the other; stops those already started if one fails. */
export const startServers = async (options: ServerOptions): Promise<ServerSet> => {
  const started: Partial<Record<ServerKind, ChildServer>> = {}
  try {
    for (const kind of serverKinds) started[kind] = await startServer(kind, options)
    return started as ServerSet
  } catch (error) {
    await Promise.all(Object.values(started).map((server) => server.stop()))
    throw error
  }
}

export const stopServers = async (servers: ServerSet): Promise<void> => {
  await Promise.all(serverKinds.map((kind) => servers[kind].stop()))
}
