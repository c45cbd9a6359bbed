import type { ScenarioSamples } from "./memoryPhase.ts"
import type { ServerKind } from "./servers.ts"
import { perServer, serverKinds } from "./servers.ts"
import { maxOf, median } from "./stats.ts"
import type { RowSamples, Sample } from "./throughputPhase.ts"
import { MiB } from "./units.ts"

/** Targets the table checks. */
export const targets = {
  /** Hoard's throughput over turborepo-remote-cache's, on every throughput row... */
  minRatioVsTrrc: 1.0,
  /** ...and on the rows turbo leans on most: every task starts with a miss, small artifacts dominate. */
  minRatioVsTrrcOnKeyRows: 1.5,
  keyRows: ["get-miss-c64", "head-miss-c64", "get-1KiB-c16", "put-1KiB-c16"],
  /** Hoard's throughput over the raw node:http floor's, on every throughput row. */
  minRatioVsRaw: 0.8,
  /** Hoard's p99 latency on this row, median over rounds. */
  p99Row: "get-1KiB-c16",
  maxP99Ms: 3,
  /** Hoard's peak RSS during each upload burst. */
  maxPeakRssBytes: 160 * MiB
} as const

/** The peers Hoard's throughput is divided by. */
export type Peer = Exclude<ServerKind, "hoard">
export const peers: ReadonlyArray<Peer> = ["trrc", "raw"]

export interface ServerThroughput {
  /** Medians over rounds. */
  readonly requestsPerSecond: number
  readonly megabytesPerSecond: number
  /** Median server CPU milliseconds per request (procfs user + system). */
  readonly cpuMsPerRequest: number
  /** The kernel's part of it: median system CPU milliseconds per request. */
  readonly systemCpuMsPerRequest: number
  /** Median over rounds of the client-side p99 latency (autocannon rows only, NaN elsewhere). */
  readonly p99Ms: number
  /** Highest RSS the server reached during this row's measured rounds. */
  readonly peakRssBytes: number
  readonly errors: number
  readonly rounds: ReadonlyArray<{
    readonly round: number
    readonly requestsPerSecond: number
    readonly megabytesPerSecond: number
    readonly serverCpuSeconds: number
    readonly serverSystemCpuSeconds: number
    readonly peakRssBytes: number
    readonly p99Ms: number | null
    readonly othersCpuPercent: number
    readonly stealCpuPercent: number
    readonly requests: number
    readonly seconds: number
    readonly errors: number
    readonly firstError?: string
  }>
}

/** Hoard ÷ a peer, within each round (they ran seconds apart), and the median of those. */
export interface Ratio {
  readonly median: number
  readonly rounds: ReadonlyArray<number>
}

export interface ThroughputSummary {
  readonly id: string
  readonly label: string
  readonly servers: Record<ServerKind, ServerThroughput>
  readonly ratios: Record<Peer, Ratio>
  /** Hoard's CPU per request ÷ the peer's: above 1 means Hoard does more work per request. */
  readonly cpuRatios: Record<Peer, number>
  /** CPU taken by everything else during this row's measurements, in % of one core: median and highest. */
  readonly othersCpuPercent: { readonly median: number; readonly max: number; readonly medianSteal: number }
  /** The ratio each peer must reach on this row. */
  readonly minRatios: Record<Peer, number>
  /** What missed: "trrc", "raw", "errors"; empty when the row passes. */
  readonly misses: ReadonlyArray<string>
  readonly pass: boolean
}

const perSecond = (count: number, seconds: number) => (seconds > 0 ? count / seconds : 0)

const serverThroughput = (samples: ReadonlyArray<Sample>): ServerThroughput => {
  const rounds = samples.map((sample) => ({
    round: sample.round,
    requestsPerSecond: perSecond(sample.load.requests, sample.load.seconds),
    megabytesPerSecond: perSecond(sample.load.bytes, sample.load.seconds) / 1e6,
    serverCpuSeconds: sample.serverCpuSeconds,
    serverSystemCpuSeconds: sample.serverSystemCpuSeconds,
    peakRssBytes: sample.peakRssBytes,
    p99Ms: sample.load.latencyP99Ms ?? null,
    othersCpuPercent: sample.otherCpu.othersPercent,
    stealCpuPercent: sample.otherCpu.stealPercent,
    requests: sample.load.requests,
    seconds: sample.load.seconds,
    errors: sample.load.errors,
    ...(sample.load.firstError !== undefined && { firstError: sample.load.firstError })
  }))
  const msPerRequest = (seconds: number, requests: number) => (requests > 0 ? (seconds * 1000) / requests : Number.NaN)
  return {
    requestsPerSecond: median(rounds.map((round) => round.requestsPerSecond)),
    megabytesPerSecond: median(rounds.map((round) => round.megabytesPerSecond)),
    cpuMsPerRequest: median(rounds.map((round) => msPerRequest(round.serverCpuSeconds, round.requests))),
    systemCpuMsPerRequest: median(rounds.map((round) => msPerRequest(round.serverSystemCpuSeconds, round.requests))),
    p99Ms: median(rounds.map((round) => round.p99Ms ?? Number.NaN)),
    peakRssBytes: maxOf(rounds.map((round) => round.peakRssBytes)),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    rounds
  }
}

const ratioOf = (hoard: ServerThroughput, peer: ServerThroughput): Ratio => {
  const rounds = hoard.rounds.map((round, index) => round.requestsPerSecond / (peer.rounds[index]?.requestsPerSecond ?? Number.NaN))
  return { median: median(rounds), rounds }
}

export const summarizeThroughput = ({ row, samples }: RowSamples): ThroughputSummary => {
  const servers = perServer((kind) => serverThroughput(samples[kind]))
  const ratios = { trrc: ratioOf(servers.hoard, servers.trrc), raw: ratioOf(servers.hoard, servers.raw) }
  const minRatios = {
    trrc: (targets.keyRows as ReadonlyArray<string>).includes(row.id) ? targets.minRatioVsTrrcOnKeyRows : targets.minRatioVsTrrc,
    raw: targets.minRatioVsRaw
  }
  // A peer's failed requests do not make Hoard miss; Hoard's do. Both are shown.
  const misses = [
    ...peers.filter((peer) => !(ratios[peer].median >= minRatios[peer])),
    ...(servers.hoard.errors > 0 ? ["errors"] : [])
  ]
  const others = serverKinds.flatMap((kind) => servers[kind].rounds)
  return {
    id: row.id,
    label: row.label,
    servers,
    ratios,
    cpuRatios: {
      trrc: servers.hoard.cpuMsPerRequest / servers.trrc.cpuMsPerRequest,
      raw: servers.hoard.cpuMsPerRequest / servers.raw.cpuMsPerRequest
    },
    othersCpuPercent: {
      median: median(others.map((round) => round.othersCpuPercent)),
      max: maxOf(others.map((round) => round.othersCpuPercent)),
      medianSteal: median(others.map((round) => round.stealCpuPercent))
    },
    minRatios,
    misses,
    pass: misses.length === 0
  }
}

/** Hoard's p99 latency target, checked on the throughput row it names. */
export interface LatencySummary {
  readonly id: string
  readonly label: string
  readonly p99Ms: Record<ServerKind, number>
  readonly pass: boolean
}

export const summarizeLatency = (rows: ReadonlyArray<ThroughputSummary>): Array<LatencySummary> =>
  rows
    .filter((row) => row.id === targets.p99Row)
    .map((row) => {
      const p99Ms = perServer((kind) => row.servers[kind].p99Ms)
      return { id: `${row.id}-p99`, label: `${row.label}, p99`, p99Ms, pass: p99Ms.hoard <= targets.maxP99Ms }
    })

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
  readonly servers: Record<ServerKind, ServerMemory>
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
  const servers = perServer((kind) => serverMemory(samples[kind]))
  return { id: scenario.id, label: scenario.label, servers, pass: servers.hoard.peakBytes <= targets.maxPeakRssBytes }
}
