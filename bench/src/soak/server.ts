import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { startChildServer } from "../childServer.ts"
import type { ChildServer } from "../childServer.ts"
import { trackDirectory } from "../cleanup.ts"
import { benchToken } from "../protocol.ts"

/** `hoard serve` as a user runs it (default fs storage and SQLite index in its data dir), with a memory probe loaded. */
export interface SoakServer {
  readonly server: ChildServer
  /** Where the probe appends its JSON lines (see probe.ts). */
  readonly probeFile: string
  /** Where `--heapsnapshot-signal` snapshots are written. */
  readonly snapshotDirectory: string
  readonly workDirectory: string
  /** Stops the server and removes its data, unless `keepWorkDirectory`. */
  readonly stop: () => Promise<void>
}

export interface SoakServerOptions {
  /** Parent of the temporary work directory. */
  readonly tmpRoot: string
  /** Extra node flags for the server, e.g. `--max-semi-space-size=16`. */
  readonly nodeArgs?: ReadonlyArray<string>
  /** How often the probe reports, ms. */
  readonly probeIntervalMs: number
  /** Collect garbage before each probe reading (adds `--expose-gc`): heapUsed is then the live heap. */
  readonly probeGc?: boolean
  /** Where heap snapshots go; default `<work>/snapshots`. SIGUSR2 writes one. */
  readonly snapshotDirectory?: string
  /** The `hoard` bin to run; default the @hoard/cli of this workspace (e.g. another checkout's, to compare). */
  readonly hoardBin?: string
  /** Keep the work directory (the SQLite index, artifacts, the probe file) after `stop`. */
  readonly keepWorkDirectory?: boolean
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")

/** The `hoard` bin of the @hoard/cli dependency of the bench package. */
const hoardBin = (): string => join(dirname(fileURLToPath(import.meta.resolve("@hoard/cli"))), "bin.ts")

const probeUrl = (out: string, every: number, gc: boolean): string => {
  const url = pathToFileURL(fileURLToPath(new URL("./probe.ts", import.meta.url)))
  url.searchParams.set("out", out)
  url.searchParams.set("every", String(every))
  if (gc) url.searchParams.set("gc", "1")
  return url.href
}

export const startSoakServer = async (options: SoakServerOptions): Promise<SoakServer> => {
  const workDirectory = mkdtempSync(join(options.tmpRoot, "hoard-soak-"))
  const untrack = options.keepWorkDirectory === true ? () => undefined : trackDirectory(workDirectory)
  const probeFile = join(workDirectory, "probe.jsonl")
  const snapshotDirectory = options.snapshotDirectory ?? join(workDirectory, "snapshots")
  const removeWork = () => {
    if (options.keepWorkDirectory === true) return
    rmSync(workDirectory, { recursive: true, force: true })
    untrack()
  }
  try {
    mkdirSync(snapshotDirectory, { recursive: true })
    const server = await startChildServer({
      name: "hoard",
      cwd: repoRoot,
      args: [
        ...(options.nodeArgs ?? []),
        ...(options.probeGc === true ? ["--expose-gc"] : []),
        "--heapsnapshot-signal=SIGUSR2",
        `--diagnostic-dir=${snapshotDirectory}`,
        "--import", probeUrl(probeFile, options.probeIntervalMs, options.probeGc === true),
        options.hoardBin ?? hoardBin(),
        "serve",
        "--port", "0",
        "--data-dir", join(workDirectory, "data"),
        "--token", benchToken,
        "--log-level", "warn"
      ],
      urlPattern: /Hoard is listening on (http:\/\/\S+)/u
    })
    return {
      server,
      probeFile,
      snapshotDirectory,
      workDirectory,
      stop: async () => {
        try {
          await server.stop()
        } finally {
          removeWork()
        }
      }
    }
  } catch (error) {
    removeWork()
    throw error
  }
}
