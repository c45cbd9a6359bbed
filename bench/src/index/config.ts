import { tmpdir } from "node:os"
import { resolve } from "node:path"
import { flag, positiveInt } from "../config.ts"

/** How `pnpm bench:index` runs; every field can be set through an environment variable. */
export interface IndexBenchConfig {
  /** `BENCH_QUICK=1`: small counts and few rounds, for a smoke check (a few minutes). */
  readonly quick: boolean
  /** `BENCH_INDEX_ARTIFACTS`: artifacts uploaded (PUT) before the reads, per backend. */
  readonly artifacts: number
  /** `BENCH_INDEX_EVENTS`: activity events in the index before the reads: the uploads' own, then turbo usage events. */
  readonly events: number
  /** `BENCH_INDEX_ARTIFACT_BYTES`: size of each populated artifact. */
  readonly artifactBytes: number
  /** `BENCH_INDEX_CONCURRENCY`: connections used to populate. */
  readonly populateConcurrency: number
  /** `BENCH_INDEX_QUOTA_SHARE`: share of artifacts and usage events that go to team `quota` (the rest: `bench`). */
  readonly quotaShare: number
  /** `BENCH_INDEX_READS`: measured requests per read kind (sequential, interleaved with the other kinds). */
  readonly reads: number
  /** `BENCH_INDEX_WARMUP_READS`: unmeasured requests per read kind first. */
  readonly warmupReads: number
  /** `BENCH_INDEX_RESTARTS`: restarts, each timing the first request of every kind (rotating which kind goes first). */
  readonly restarts: number
  /**
   * `BENCH_INDEX_FIRST_READS_AFTER_IDLE=1` (a diagnostic): after each restart, wait until the server is
   * idle (its start-up walk of storage done) before the first reads, to tell cold caches from contention.
   */
  readonly firstReadsAfterIdle: boolean
  /** `BENCH_INDEX_PUT_ROUNDS`: interleaved rounds of PUT throughput, team `quota` vs team `bench`. */
  readonly putRounds: number
  /** `BENCH_INDEX_PUT_SECONDS`: seconds of load per PUT measurement (whole seconds: autocannon). */
  readonly putSeconds: number
  /** `BENCH_INDEX_PUT_CONNECTIONS`: autocannon connections for the PUT rows. */
  readonly putConnections: number
  /** `BENCH_INDEX_CATCH_UP_SECONDS`: longest wait for the index writer to apply everything populated. */
  readonly catchUpSeconds: number
  /** `BENCH_INDEX_TIMEOUT_MINUTES`: the whole run is abandoned (and everything stopped) past this. */
  readonly timeoutMinutes: number
  /** `BENCH_INDEX_BACKENDS`: comma-separated, `sqlite` and/or `postgres`. */
  readonly backends: ReadonlyArray<"sqlite" | "postgres">
  /** `BENCH_TMPDIR`: where storage, the SQLite file and the PostgreSQL data directory go. */
  readonly tmpRoot: string
  /** `BENCH_HOARD_NODE_ARGS`: extra node flags for the Hoard process. */
  readonly hoardNodeArgs: ReadonlyArray<string>
  /** `BENCH_RESULTS`: where the JSON results go. */
  readonly resultsFile: string
}

const fraction = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!(value > 0 && value < 1)) throw new Error(`${name} must be a number between 0 and 1 (exclusive), got "${raw}"`)
  return value
}


const backendList = (): ReadonlyArray<"sqlite" | "postgres"> => {
  const raw = process.env["BENCH_INDEX_BACKENDS"]
  if (raw === undefined || raw.trim() === "") return ["sqlite", "postgres"]
  const names = raw.split(",").map((name) => name.trim().toLowerCase()).filter(Boolean)
  for (const name of names) {
    if (name !== "sqlite" && name !== "postgres") throw new Error(`BENCH_INDEX_BACKENDS: unknown backend "${name}" (sqlite, postgres)`)
  }
  return [...new Set(names as Array<"sqlite" | "postgres">)]
}

export const readIndexConfig = (benchDirectory: string): IndexBenchConfig => {
  const quick = flag("BENCH_QUICK")
  const artifacts = positiveInt("BENCH_INDEX_ARTIFACTS", quick ? 5_000 : 100_000)
  return {
    quick,
    artifacts,
    events: positiveInt("BENCH_INDEX_EVENTS", quick ? 50_000 : 1_000_000),
    artifactBytes: positiveInt("BENCH_INDEX_ARTIFACT_BYTES", 256),
    populateConcurrency: positiveInt("BENCH_INDEX_CONCURRENCY", 32),
    quotaShare: fraction("BENCH_INDEX_QUOTA_SHARE", 0.2),
    reads: positiveInt("BENCH_INDEX_READS", quick ? 20 : 50),
    warmupReads: positiveInt("BENCH_INDEX_WARMUP_READS", quick ? 3 : 10, 0),
    restarts: positiveInt("BENCH_INDEX_RESTARTS", quick ? 2 : 6),
    firstReadsAfterIdle: flag("BENCH_INDEX_FIRST_READS_AFTER_IDLE"),
    putRounds: positiveInt("BENCH_INDEX_PUT_ROUNDS", quick ? 2 : 6),
    putSeconds: positiveInt("BENCH_INDEX_PUT_SECONDS", quick ? 1 : 3),
    putConnections: positiveInt("BENCH_INDEX_PUT_CONNECTIONS", 16),
    catchUpSeconds: positiveInt("BENCH_INDEX_CATCH_UP_SECONDS", quick ? 120 : 900),
    timeoutMinutes: positiveInt("BENCH_INDEX_TIMEOUT_MINUTES", quick ? 20 : 90),
    backends: backendList(),
    tmpRoot: resolve(process.env["BENCH_TMPDIR"] ?? tmpdir()),
    hoardNodeArgs: (process.env["BENCH_HOARD_NODE_ARGS"] ?? "").split(/\s+/u).filter(Boolean),
    resultsFile: resolve(process.env["BENCH_RESULTS"] ?? resolve(benchDirectory, "results", "index-latest.json"))
  }
}
