import { tmpdir } from "node:os"
import { resolve } from "node:path"
import { flag, positiveInt } from "../config.ts"
import { KiB } from "../units.ts"
import type { SoakOptions } from "./soak.ts"

/** `pnpm soak` settings from the environment (see bench/README.md, "Soak"). */
export interface SoakConfig extends Omit<SoakOptions, "log"> {
  /** `SOAK_MAX_RSS_SLOPE`: MiB/min the robust RSS slope may reach; above it the command exits 1. */
  readonly maxSlopeMiBPerMin: number
  readonly resultsFile: string
}

const numberSetting = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, got "${raw}"`)
  return value
}

export const readSoakConfig = (benchDirectory: string): SoakConfig => {
  const durationS = positiveInt("SOAK_DURATION_S", 600)
  const snapshots = (process.env["SOAK_HEAP_SNAPSHOTS"] ?? "").split(/[\s,]+/u).filter(Boolean).map(Number)
  if (snapshots.some((at) => !Number.isFinite(at) || at < 0)) throw new Error("SOAK_HEAP_SNAPSHOTS: seconds, e.g. 90,450")
  const snapshotDirectory = process.env["SOAK_SNAPSHOT_DIR"] ??
    (snapshots.length > 0 ? resolve(benchDirectory, "results", "soak-snapshots") : undefined)
  return {
    durationS,
    ratePerSecond: positiveInt("SOAK_RATE", 150),
    concurrency: positiveInt("SOAK_CONCURRENCY", 32),
    warmupS: positiveInt("SOAK_WARMUP_S", Math.min(60, Math.floor(durationS / 3)), 0),
    sampleIntervalS: positiveInt("SOAK_SAMPLE_S", 5),
    idleS: positiveInt("SOAK_IDLE_S", 30, 0),
    tmpRoot: resolve(process.env["SOAK_TMPDIR"] ?? tmpdir()),
    minPutBytes: positiveInt("SOAK_MIN_PUT_KIB", 1) * KiB,
    maxPutBytes: positiveInt("SOAK_MAX_PUT_KIB", 4096) * KiB,
    nodeArgs: (process.env["SOAK_NODE_ARGS"] ?? "").split(/\s+/u).filter(Boolean),
    ...(process.env["SOAK_HOARD_BIN"] ? { hoardBin: resolve(process.env["SOAK_HOARD_BIN"]) } : {}),
    snapshotsAtS: snapshots,
    ...(snapshotDirectory !== undefined && { snapshotDirectory: resolve(snapshotDirectory) }),
    probeGc: flag("SOAK_PROBE_GC"),
    keepWorkDirectory: flag("SOAK_KEEP"),
    maxSlopeMiBPerMin: numberSetting("SOAK_MAX_RSS_SLOPE", 1),
    resultsFile: resolve(process.env["SOAK_RESULTS"] ?? resolve(benchDirectory, "results", "soak.json"))
  }
}
