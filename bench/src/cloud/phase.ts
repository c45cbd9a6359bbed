import type { ChildServer } from "../childServer.ts"
import type { LoadResult } from "../loadResult.ts"
import { settle } from "../settle.ts"
import { MiB } from "../units.ts"
import type { RunningBackend } from "./backend.ts"
import { cpuMeter } from "./cpu.ts"
import type { CpuSeconds } from "./cpu.ts"
import { runHoardRow, runSdkRow } from "./rows.ts"
import type { CloudRow } from "./rows.ts"

export type CloudPath = "hoard" | "sdk"
export const cloudPaths: ReadonlyArray<CloudPath> = ["hoard", "sdk"]

/** One measurement of one row through one path. */
export interface CloudSample {
  readonly round: number
  readonly load: LoadResult
  readonly cpu: CpuSeconds
}

export interface CloudRowSamples {
  readonly row: CloudRow
  readonly samples: Record<CloudPath, Array<CloudSample>>
}

export interface CloudPhaseOptions {
  readonly rounds: number
  readonly warmup: boolean
  readonly log: (line: string) => void
}

/** Fails as soon as Hoard dies, instead of waiting for timeouts. */
const guarded = <A>(hoard: ChildServer, work: Promise<A>): Promise<A> => Promise.race([work, hoard.crashed])

const measure = async (
  row: CloudRow,
  path: CloudPath,
  hoard: ChildServer,
  backend: RunningBackend,
  round: number
): Promise<CloudSample> => {
  const used = cpuMeter(path === "hoard" ? hoard.pid : undefined, backend.emulatorPids)
  const load = await guarded(hoard, path === "hoard" ? runHoardRow(row, hoard) : runSdkRow(row, backend.sdk))
  const cpu = used()
  // The GCS emulator and radosgw write to files or page cache: flush after uploads, as the main benchmark does.
  await settle({ flush: row.kind === "put" })
  return { round, load, cpu }
}

/** One request per connection; big artifacts on one connection only. */
const warmUpRow = (row: CloudRow): CloudRow => ({
  ...row,
  concurrency: row.size >= 16 * MiB ? 1 : row.concurrency,
  requestsPerWorker: 1
})

/** Alternates which path goes first, so neither always runs on the calmer side of a pair. */
const orderFor = (round: number, rowIndex: number): ReadonlyArray<CloudPath> =>
  (round + rowIndex) % 2 === 0 ? cloudPaths : [...cloudPaths].reverse()

const describe = (sample: CloudSample): string => {
  const { load, cpu } = sample
  const errors = load.errors > 0 ? `, ${load.errors} errors (${load.firstError})` : ""
  return `${(load.bytes / load.seconds / 1e6).toFixed(1).padStart(6)} MB/s (${load.requests} in ${load.seconds.toFixed(2)} s), ` +
    `cpu hoard ${cpu.hoard.toFixed(2)} s, emulator ${cpu.emulator.toFixed(2)} s, bench ${cpu.bench.toFixed(2)} s${errors}`
}

/**
 * Warms both paths up on every row, then measures every row through Hoard and
 * through the SDK, back to back, round by round.
 */
export const runCloudPhase = async (
  rows: ReadonlyArray<CloudRow>,
  hoard: ChildServer,
  backend: RunningBackend,
  options: CloudPhaseOptions
): Promise<Array<CloudRowSamples>> => {
  if (options.warmup) {
    options.log("  warm-up: one request per connection and path on every row (one in all for 50 MiB)")
    for (const row of rows) {
      for (const path of cloudPaths) await measure(warmUpRow(row), path, hoard, backend, 0)
    }
    await backend.betweenRounds?.()
  }
  const results = rows.map((row): CloudRowSamples => ({ row, samples: { hoard: [], sdk: [] } }))
  for (let round = 1; round <= options.rounds; round++) {
    options.log(`  round ${round}/${options.rounds}`)
    for (const [index, entry] of results.entries()) {
      for (const path of orderFor(round, index)) {
        const sample = await measure(entry.row, path, hoard, backend, round)
        entry.samples[path].push(sample)
        options.log(`    ${entry.row.id.padEnd(14)} ${path.padEnd(5)} ${describe(sample)}`)
      }
    }
    await backend.betweenRounds?.()
  }
  return results
}
