import { runAutocannonLoad } from "../autocannonLoad.ts"
import type { ChildServer } from "../childServer.ts"
import type { LoadResult } from "../loadResult.ts"
import { readCpuSeconds } from "../procfs.ts"
import { benchTeam, hashOf } from "../protocol.ts"
import { settle } from "../settle.ts"
import { median } from "../stats.ts"
import { KiB } from "../units.ts"
import { quotaTeam } from "./hoardIndexServer.ts"
import type { TeamSlug } from "./hoardIndexServer.ts"

/**
 * Small PUTs (1 KiB, each to a new hash, as turbo's uploads are) through
 * autocannon, team `quota` (whose uploads check its usage against the quota)
 * against team `bench` (no quota), back to back in every round, the order
 * alternating. The figure is the median of the per-round ratios.
 */
export const putSize = KiB

export interface PutSample {
  readonly round: number
  readonly team: TeamSlug
  readonly load: LoadResult
  readonly requestsPerSecond: number
  /** Server CPU seconds per request (procfs). */
  readonly cpuPerRequestMs: number
}

export interface PutComparison {
  readonly connections: number
  readonly seconds: number
  readonly samples: ReadonlyArray<PutSample>
  /** quota / bench req/s, per round. */
  readonly ratios: ReadonlyArray<number>
  readonly medianRatio: number
  readonly medianRequestsPerSecond: Record<TeamSlug, number>
  /** Median server CPU per request, quota / bench: steadier than wall-clock rates on a busy machine. */
  readonly cpuPerRequestRatio: number
  readonly errors: number
}

const familyOf: Record<TeamSlug, number> = { bench: 0xd0, quota: 0xd1 }
const counters: Record<TeamSlug, number> = { bench: 0, quota: 0 }

const measure = async (server: ChildServer, team: TeamSlug, connections: number, seconds: number, round: number): Promise<PutSample> => {
  const cpuBefore = readCpuSeconds(server.pid)
  const load = await Promise.race([
    runAutocannonLoad({
      baseUrl: server.url,
      method: "PUT",
      size: putSize,
      connections,
      durationSeconds: seconds,
      pathFor: () => `/v8/artifacts/${hashOf(familyOf[team], counters[team]++)}?slug=${team}`
    }),
    server.crashed
  ])
  const cpu = readCpuSeconds(server.pid) - cpuBefore
  await settle()
  return {
    round,
    team,
    load,
    requestsPerSecond: load.requests / load.seconds,
    cpuPerRequestMs: load.requests > 0 ? (cpu * 1000) / load.requests : Number.NaN
  }
}

export const comparePutThroughput = async (
  server: ChildServer,
  options: { readonly rounds: number; readonly seconds: number; readonly connections: number; readonly log: (line: string) => void }
): Promise<PutComparison> => {
  // One unmeasured second of each first: connections, JIT, the quota team's usage figure.
  for (const team of [benchTeam, quotaTeam] as const) await measure(server, team, options.connections, 1, 0)
  const samples: Array<PutSample> = []
  const ratios: Array<number> = []
  for (let round = 1; round <= options.rounds; round++) {
    const order: ReadonlyArray<TeamSlug> = round % 2 === 1 ? [quotaTeam, benchTeam] : [benchTeam, quotaTeam]
    const byTeam: Partial<Record<TeamSlug, PutSample>> = {}
    for (const team of order) {
      const sample = await measure(server, team, options.connections, options.seconds, round)
      byTeam[team] = sample
      samples.push(sample)
      const errors = sample.load.errors > 0 ? `, ${sample.load.errors} errors (${sample.load.firstError})` : ""
      options.log(`  PUT 1 KiB c=${options.connections} round ${round} ${team.padEnd(5)} ${sample.requestsPerSecond.toFixed(0)} req/s, cpu ${sample.cpuPerRequestMs.toFixed(2)} ms/req${errors}`)
    }
    ratios.push(byTeam.quota!.requestsPerSecond / byTeam.bench!.requestsPerSecond)
  }
  const rates = (team: TeamSlug) => samples.filter((sample) => sample.team === team).map((sample) => sample.requestsPerSecond)
  const cpu = (team: TeamSlug) => median(samples.filter((sample) => sample.team === team).map((sample) => sample.cpuPerRequestMs))
  return {
    connections: options.connections,
    seconds: options.seconds,
    samples,
    ratios,
    medianRatio: median(ratios),
    medianRequestsPerSecond: { bench: median(rates("bench")), quota: median(rates("quota")) },
    cpuPerRequestRatio: cpu("quota") / cpu("bench"),
    errors: samples.reduce((sum, sample) => sum + sample.load.errors, 0)
  }
}
