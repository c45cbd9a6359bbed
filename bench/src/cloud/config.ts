import { tmpdir } from "node:os"
import { resolve } from "node:path"
import type { BackendId } from "./backend.ts"

export const allBackendIds: ReadonlyArray<BackendId> = ["gcs", "azure", "s3-fauxqs", "s3-radosgw"]

/** How the cloud benchmark runs; every field can be set through an environment variable. */
export interface CloudBenchConfig {
  /** `BENCH_QUICK=1`: one round of half-size measurements, no warm-up. */
  readonly quick: boolean
  /** `BENCH_CLOUD_ROUNDS`: measured rounds per row and path (default 3; quick: 1). */
  readonly rounds: number
  /** `BENCH_CLOUD_WARMUP=0` skips the warm-up (default on; quick: off). */
  readonly warmup: boolean
  /** `BENCH_CLOUD_BACKENDS`: comma-separated subset of gcs, azure, s3-fauxqs, s3-radosgw. */
  readonly backends: ReadonlyArray<BackendId>
  /** `BENCH_CLOUD_ONLY`: a regular expression on row ids, e.g. `^get-50MiB`. */
  readonly only: RegExp | undefined
  /** `BENCH_TMPDIR`: where emulator data and Hoard's data directory go. */
  readonly tmpRoot: string
  /** `BENCH_HOARD_NODE_ARGS`: extra node flags for Hoard, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  readonly hoardNodeArgs: ReadonlyArray<string>
  /** `BENCH_CLOUD_RESULTS`: where the JSON goes. */
  readonly resultsFile: string
}

const flag = (name: string, fallback: boolean): boolean => {
  const raw = (process.env[name] ?? "").toLowerCase()
  if (raw === "") return fallback
  return ["1", "true", "yes"].includes(raw)
}

const positiveInt = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be an integer >= 1, got "${raw}"`)
  return value
}

const backendList = (raw: string | undefined): ReadonlyArray<BackendId> => {
  if (raw === undefined || raw.trim() === "") return allBackendIds
  const names = raw.split(",").map((name) => name.trim()).filter(Boolean)
  const unknown = names.filter((name) => !allBackendIds.includes(name as BackendId))
  if (unknown.length > 0) throw new Error(`BENCH_CLOUD_BACKENDS: unknown ${unknown.join(", ")}; use ${allBackendIds.join(", ")}`)
  return allBackendIds.filter((id) => names.includes(id))
}

export const readCloudConfig = (benchDirectory: string): CloudBenchConfig => {
  const quick = flag("BENCH_QUICK", false)
  const only = process.env["BENCH_CLOUD_ONLY"]
  return {
    quick,
    rounds: positiveInt("BENCH_CLOUD_ROUNDS", quick ? 1 : 3),
    warmup: flag("BENCH_CLOUD_WARMUP", !quick),
    backends: backendList(process.env["BENCH_CLOUD_BACKENDS"]),
    only: only === undefined || only === "" ? undefined : new RegExp(only, "u"),
    tmpRoot: resolve(process.env["BENCH_TMPDIR"] ?? tmpdir()),
    hoardNodeArgs: (process.env["BENCH_HOARD_NODE_ARGS"] ?? "").split(/\s+/u).filter(Boolean),
    resultsFile: resolve(process.env["BENCH_CLOUD_RESULTS"] ?? resolve(benchDirectory, "results", "cloud-latest.json"))
  }
}
