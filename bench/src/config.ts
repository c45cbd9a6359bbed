import { tmpdir } from "node:os"
import { resolve } from "node:path"

/** Which build of Hoard the bench runs when `BENCH_HOARD_BIN` is unset. */
export type HoardFrom = "installed" | "source"

/** How the benchmark runs; every field can be set through an environment variable. */
export interface BenchConfig {
  /** `BENCH_QUICK=1`: one short round of everything (about a minute). */
  readonly quick: boolean
  /** `BENCH_ROUNDS`: measured rounds per throughput row and server. */
  readonly rounds: number
  /** `BENCH_DURATION`: seconds of load per measurement (integer, autocannon counts whole seconds). */
  readonly durationSeconds: number
  /** `BENCH_WARMUP`: seconds of unmeasured load per row and server before round 1 (0 to skip). */
  readonly warmupSeconds: number
  /** `BENCH_MEMORY_ROUNDS`: rounds of each peak-RSS phase (each on a freshly started server). */
  readonly memoryRounds: number
  /** `BENCH_BIG_UPLOAD_MIB`: size of the single big upload of the memory phase. */
  readonly bigUploadMiB: number
  /** `BENCH_ONLY`: a regular expression; only rows whose id matches run (e.g. `put-50MiB`). */
  readonly only: RegExp | undefined
  /** `BENCH_TMPDIR`: where the servers store artifacts (same file system for all three). */
  readonly tmpRoot: string
  /** `BENCH_HOARD_NODE_ARGS`: extra node flags for the Hoard process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  readonly hoardNodeArgs: ReadonlyArray<string>
  /** `BENCH_HOARD_ARGS`: extra arguments appended to `hoard serve`, e.g. to measure another durability setting. */
  readonly hoardArgs: ReadonlyArray<string>
  /**
   * `BENCH_HOARD_BIN`: the `hoard` bin to run instead of this checkout's, e.g.
   * `/tmp/before/packages/cli/src/bin.ts` in a git worktree of an earlier
   * commit, to measure before and after with the same harness.
   */
  readonly hoardBin: string | undefined
  /**
   * `BENCH_HOARD_FROM`: `installed` (default) runs Hoard as users install it,
   * packed and npm-installed; `source` runs this checkout's TypeScript.
   */
  readonly hoardFrom: HoardFrom
  /** `BENCH_RAW_NODE_ARGS`: extra node flags for the raw server process (to profile it the same way). */
  readonly rawNodeArgs: ReadonlyArray<string>
  /** `BENCH_TRRC_NODE_ARGS`: extra node flags for the turborepo-remote-cache process. */
  readonly trrcNodeArgs: ReadonlyArray<string>
  /** `BENCH_RAW_FSYNC=1`: the raw server fsyncs each upload before the rename, as Hoard does. */
  readonly rawFsync: boolean
  /** `BENCH_PIN=0` turns CPU pinning off (on by default: bench on one CPU, servers on another, via taskset). */
  readonly pin: boolean
  /** `BENCH_RESULTS`: where the JSON results go. */
  readonly resultsFile: string
}

/** An integer setting from the environment, at least `min`; `fallback` when unset. */
export const positiveInt = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`)
  return value
}

/** A yes/no setting from the environment: `1`, `true` or `yes`. */
export const flag = (name: string): boolean => ["1", "true", "yes"].includes((process.env[name] ?? "").toLowerCase())

/** A list of arguments from the environment, split on white space. */
const words = (name: string): ReadonlyArray<string> => (process.env[name] ?? "").split(/\s+/u).filter(Boolean)

const hoardFrom = (raw: string | undefined): HoardFrom => {
  if (raw === undefined || raw === "" || raw === "installed") return "installed"
  if (raw === "source") return "source"
  throw new Error(`BENCH_HOARD_FROM must be "installed" or "source", got "${raw}"`)
}

export const readConfig = (benchDirectory: string): BenchConfig => {
  const quick = flag("BENCH_QUICK")
  const only = process.env["BENCH_ONLY"]
  return {
    quick,
    rounds: positiveInt("BENCH_ROUNDS", quick ? 1 : 4),
    durationSeconds: positiveInt("BENCH_DURATION", quick ? 1 : 3),
    warmupSeconds: positiveInt("BENCH_WARMUP", quick ? 0 : 1, 0),
    memoryRounds: positiveInt("BENCH_MEMORY_ROUNDS", quick ? 1 : 2),
    bigUploadMiB: positiveInt("BENCH_BIG_UPLOAD_MIB", 500),
    only: only === undefined || only === "" ? undefined : new RegExp(only, "u"),
    tmpRoot: resolve(process.env["BENCH_TMPDIR"] ?? tmpdir()),
    hoardNodeArgs: words("BENCH_HOARD_NODE_ARGS"),
    hoardArgs: words("BENCH_HOARD_ARGS"),
    hoardBin: process.env["BENCH_HOARD_BIN"] ? resolve(process.env["BENCH_HOARD_BIN"]) : undefined,
    hoardFrom: hoardFrom(process.env["BENCH_HOARD_FROM"]),
    rawNodeArgs: words("BENCH_RAW_NODE_ARGS"),
    trrcNodeArgs: words("BENCH_TRRC_NODE_ARGS"),
    rawFsync: flag("BENCH_RAW_FSYNC"),
    pin: !["0", "false", "no"].includes((process.env["BENCH_PIN"] ?? "").toLowerCase()),
    resultsFile: resolve(process.env["BENCH_RESULTS"] ?? resolve(benchDirectory, "results", "latest.json"))
  }
}
