import { tmpdir } from "node:os"
import { resolve } from "node:path"

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
  /** `BENCH_TMPDIR`: where both servers store artifacts (same file system for both). */
  readonly tmpRoot: string
  /** `BENCH_HOARD_NODE_ARGS`: extra node flags for the Hoard process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  readonly hoardNodeArgs: ReadonlyArray<string>
  /** `BENCH_RAW_NODE_ARGS`: extra node flags for the raw server process (to profile it the same way). */
  readonly rawNodeArgs: ReadonlyArray<string>
  /** `BENCH_RAW_FSYNC=1`: the raw server fsyncs each upload before the rename, as Hoard does. */
  readonly rawFsync: boolean
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
    hoardNodeArgs: (process.env["BENCH_HOARD_NODE_ARGS"] ?? "").split(/\s+/u).filter(Boolean),
    rawNodeArgs: (process.env["BENCH_RAW_NODE_ARGS"] ?? "").split(/\s+/u).filter(Boolean),
    rawFsync: flag("BENCH_RAW_FSYNC"),
    resultsFile: resolve(process.env["BENCH_RESULTS"] ?? resolve(benchDirectory, "results", "latest.json"))
  }
}
