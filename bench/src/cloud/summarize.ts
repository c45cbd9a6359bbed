import { median } from "../stats.ts"
import type { BackendId } from "./backend.ts"
import type { CloudPath, CloudRowSamples, CloudSample } from "./phase.ts"

/** Hoard must reach at least this fraction of the SDK's throughput on every row (overhead ≤ 10%). */
export const minCloudRatio = 0.9

export interface PathThroughput {
  /** Medians over rounds. */
  readonly requestsPerSecond: number
  readonly megabytesPerSecond: number
  /** Median CPU milliseconds per request of the Hoard process, the emulator and the bench process. */
  readonly cpuMsPerRequest: { readonly hoard: number; readonly emulator: number; readonly bench: number; readonly total: number }
  readonly errors: number
  readonly rounds: ReadonlyArray<{
    readonly round: number
    readonly requests: number
    readonly seconds: number
    readonly megabytesPerSecond: number
    readonly cpuSeconds: { readonly hoard: number; readonly emulator: number; readonly bench: number }
    readonly errors: number
    readonly firstError?: string
  }>
}

export interface CloudRowSummary {
  readonly backend: BackendId
  readonly id: string
  readonly label: string
  readonly hoard: PathThroughput
  readonly sdk: PathThroughput
  /** median(Hoard MB/s) / median(SDK MB/s). */
  readonly ratio: number
  /** Hoard / SDK within each round (measured back to back). */
  readonly roundRatios: ReadonlyArray<number>
  /** The emulator's CPU per request while serving Hoard, divided by while serving the SDK. */
  readonly emulatorCpuRatio: number
  /** All CPU per request (client, Hoard, emulator) of the Hoard path over that of the SDK path (SDK, emulator). */
  readonly totalCpuRatio: number
  readonly pass: boolean
}

const perRequestMs = (seconds: number, requests: number): number => (requests > 0 ? (seconds * 1000) / requests : Number.NaN)

const pathThroughput = (samples: ReadonlyArray<CloudSample>): PathThroughput => {
  const rounds = samples.map((sample) => ({
    round: sample.round,
    requests: sample.load.requests,
    seconds: sample.load.seconds,
    megabytesPerSecond: sample.load.seconds > 0 ? sample.load.bytes / sample.load.seconds / 1e6 : 0,
    cpuSeconds: sample.cpu,
    errors: sample.load.errors,
    ...(sample.load.firstError !== undefined && { firstError: sample.load.firstError })
  }))
  const cpu = (pick: (cpu: CloudSample["cpu"]) => number) =>
    median(rounds.map((round) => perRequestMs(pick(round.cpuSeconds), round.requests)))
  return {
    requestsPerSecond: median(rounds.map((round) => (round.seconds > 0 ? round.requests / round.seconds : 0))),
    megabytesPerSecond: median(rounds.map((round) => round.megabytesPerSecond)),
    cpuMsPerRequest: {
      hoard: cpu((used) => used.hoard),
      emulator: cpu((used) => used.emulator),
      bench: cpu((used) => used.bench),
      total: cpu((used) => used.hoard + used.emulator + used.bench)
    },
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    rounds
  }
}

export const summarizeCloudRow = (backend: BackendId, { row, samples }: CloudRowSamples): CloudRowSummary => {
  const paths: Record<CloudPath, PathThroughput> = { hoard: pathThroughput(samples.hoard), sdk: pathThroughput(samples.sdk) }
  const ratio = paths.hoard.megabytesPerSecond / paths.sdk.megabytesPerSecond
  return {
    backend,
    id: row.id,
    label: row.label,
    ...paths,
    ratio,
    roundRatios: paths.hoard.rounds.map((round, index) =>
      round.megabytesPerSecond / (paths.sdk.rounds[index]?.megabytesPerSecond ?? Number.NaN)
    ),
    emulatorCpuRatio: paths.hoard.cpuMsPerRequest.emulator / paths.sdk.cpuMsPerRequest.emulator,
    totalCpuRatio: paths.hoard.cpuMsPerRequest.total / paths.sdk.cpuMsPerRequest.total,
    pass: ratio >= minCloudRatio && paths.hoard.errors === 0 && paths.sdk.errors === 0
  }
}
