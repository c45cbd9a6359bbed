import type { ScenarioSamples } from "./memoryPhase.ts"
import type { ServerKind } from "./servers.ts"
import { maxOf, median } from "./stats.ts"
import type { RowSamples, Sample } from "./throughputPhase.ts"

/** Targets the table checks. */
export const targets = {
  /** Hoard must reach at least this fraction of raw node:http's throughput on every row. */
  minThroughputRatio: 0.8,
  /** Hoard's peak RSS during each upload burst must stay under this many bytes (256 MB, 10^6-byte MB). */
  maxHoardPeakRssBytes: 256 * 1e6
} as const

export interface ServerThroughput {
  /** Medians over rounds. */
  readonly requestsPerSecond: number
  readonly megabytesPerSecond: number
  /** Median server CPU milliseconds per request (procfs user + system). */
  readonly cpuMsPerRequest: number
  /** Highest RSS the server reached during this row's measured rounds. */
  readonly peakRssBytes: number
  readonly errors: number
  readonly rounds: ReadonlyArray<{
    readonly round: number
    readonly requestsPerSecond: number
    readonly megabytesPerSecond: number
    readonly serverCpuSeconds: number
    readonly peakRssBytes: number
    readonly requests: number
    readonly seconds: number
    readonly errors: number
    readonly firstError?: string
  }>
}

export interface ThroughputSummary {
  readonly id: string
  readonly label: string
  readonly hoard: ServerThroughput
  readonly raw: ServerThroughput
  /** median(Hoard req/s) / median(raw req/s); the same for MB/s, as both move the same bytes per request. */
  readonly ratio: number
  /** Hoard / raw within each round (the two ran back to back): shows how stable the ratio is. */
  readonly roundRatios: ReadonlyArray<number>
  /** Hoard's CPU per request / raw's: above 1 means Hoard does more work per request. */
  readonly cpuRatio: number
  readonly target: string
  readonly pass: boolean
}

const perSecond = (count: number, seconds: number) => (seconds > 0 ? count / seconds : 0)

const serverThroughput = (samples: ReadonlyArray<Sample>): ServerThroughput => {
  const rounds = samples.map((sample) => ({
    round: sample.round,
    requestsPerSecond: perSecond(sample.load.requests, sample.load.seconds),
    megabytesPerSecond: perSecond(sample.load.bytes, sample.load.seconds) / 1e6,
    serverCpuSeconds: sample.serverCpuSeconds,
    peakRssBytes: sample.peakRssBytes,
    requests: sample.load.requests,
    seconds: sample.load.seconds,
    errors: sample.load.errors,
    ...(sample.load.firstError !== undefined && { firstError: sample.load.firstError })
  }))
  return {
    requestsPerSecond: median(rounds.map((round) => round.requestsPerSecond)),
    megabytesPerSecond: median(rounds.map((round) => round.megabytesPerSecond)),
    cpuMsPerRequest: median(rounds.map((round) => (round.requests > 0 ? (round.serverCpuSeconds * 1000) / round.requests : Number.NaN))),
    peakRssBytes: maxOf(rounds.map((round) => round.peakRssBytes)),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    rounds
  }
}

export const summarizeThroughput = ({ row, samples }: RowSamples): ThroughputSummary => {
  const hoard = serverThroughput(samples.hoard)
  const raw = serverThroughput(samples.raw)
  const ratio = hoard.requestsPerSecond / raw.requestsPerSecond
  const roundRatios = hoard.rounds.map((round, index) => round.requestsPerSecond / (raw.rounds[index]?.requestsPerSecond ?? Number.NaN))
  return {
    id: row.id,
    label: row.label,
    hoard,
    raw,
    ratio,
    roundRatios,
    cpuRatio: hoard.cpuMsPerRequest / raw.cpuMsPerRequest,
    target: `ratio >= ${targets.minThroughputRatio.toFixed(2)}`,
    pass: ratio >= targets.minThroughputRatio && hoard.errors === 0 && raw.errors === 0
  }
}

export interface ServerMemory {
  /** Median RSS of the warmed-up idle server. */
  readonly idleBytes: number
  /** Highest peak over the rounds (the worst case is what a memory budget must cover). */
  readonly peakBytes: number
  readonly medianPeakBytes: number
  readonly rounds: ReadonlyArray<{ readonly round: number; readonly idleBytes: number; readonly peakBytes: number; readonly sampledPeakBytes: number; readonly hwmBytes: number | null; readonly mbPerSecond: number }>
}

export interface MemorySummary {
  readonly id: string
  readonly label: string
  readonly hoard: ServerMemory
  readonly raw: ServerMemory
  readonly target: string
  readonly pass: boolean
}

const serverMemory = (samples: ScenarioSamples["samples"][ServerKind]): ServerMemory => ({
  idleBytes: median(samples.map((sample) => sample.idleBytes)),
  peakBytes: maxOf(samples.map((sample) => sample.peak.peakBytes)),
  medianPeakBytes: median(samples.map((sample) => sample.peak.peakBytes)),
  rounds: samples.map((sample) => ({
    round: sample.round,
    idleBytes: sample.idleBytes,
    peakBytes: sample.peak.peakBytes,
    sampledPeakBytes: sample.peak.sampledBytes,
    hwmBytes: sample.peak.hwmBytes ?? null,
    mbPerSecond: sample.mbPerSecond
  }))
})

export const summarizeMemory = ({ samples, scenario }: ScenarioSamples): MemorySummary => {
  const hoard = serverMemory(samples.hoard)
  return {
    id: scenario.id,
    label: scenario.label,
    hoard,
    raw: serverMemory(samples.raw),
    target: `Hoard < ${targets.maxHoardPeakRssBytes / 1e6} MB`,
    pass: hoard.peakBytes < targets.maxHoardPeakRssBytes
  }
}
