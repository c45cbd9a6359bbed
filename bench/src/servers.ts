import { mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { startChildServer } from "./childServer.ts"
import type { ChildServer } from "./childServer.ts"
import { benchToken } from "./protocol.ts"

export type ServerKind = "hoard" | "raw"

export const serverKinds: ReadonlyArray<ServerKind> = ["hoard", "raw"]

export interface ServerOptions {
  /** Holds `<kind>` (artifacts) and `<kind>-data`. */
  readonly workDirectory: string
  readonly repoRoot: string
  readonly hoardNodeArgs: ReadonlyArray<string>
  readonly rawNodeArgs: ReadonlyArray<string>
  readonly rawFsync: boolean
}

/** The `hoard` bin of the @hoard/cli dependency. */
export const hoardBin = (): string => join(dirname(fileURLToPath(import.meta.resolve("@hoard/cli"))), "bin.ts")

const rawServerScript = fileURLToPath(new URL("./rawServer.ts", import.meta.url))

/** `hoard serve` as a user runs it: fs storage, one token, warnings only. */
const startHoard = (options: ServerOptions): Promise<ChildServer> =>
  startChildServer({
    name: "hoard",
    cwd: options.repoRoot,
    args: [
      ...options.hoardNodeArgs,
      hoardBin(),
      "serve",
      "--port", "0",
      "--storage", join(options.workDirectory, "hoard"),
      "--token", benchToken,
      "--data-dir", join(options.workDirectory, "hoard-data"),
      "--log-level", "warn"
    ],
    urlPattern: /Hoard is listening on (http:\/\/\S+)/u
  })

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
    urlPattern: /raw server listening on (http:\/\/\S+)/u
  })
}

export const startServer = (kind: ServerKind, options: ServerOptions): Promise<ChildServer> =>
  kind === "hoard" ? startHoard(options) : startRaw(options)

export type ServerPair = Record<ServerKind, ChildServer>

export const startServerPair = async (options: ServerOptions): Promise<ServerPair> => {
  const hoard = await startServer("hoard", options)
  try {
    return { hoard, raw: await startServer("raw", options) }
  } catch (error) {
    await hoard.stop()
    throw error
  }
}

export const stopServerPair = async (pair: ServerPair): Promise<void> => {
  await Promise.all([pair.hoard.stop(), pair.raw.stop()])
}
