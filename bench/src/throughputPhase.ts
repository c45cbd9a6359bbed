import type { ChildServer } from "./childServer.ts"
import type { LoadResult } from "./loadResult.ts"
import { startCpuWindow } from "./otherCpu.ts"
import type { OtherCpu } from "./otherCpu.ts"
import { readCpuTimes } from "./procfs.ts"
import type { RssMonitor } from "./rssMonitor.ts"
import { runRow } from "./rows.ts"
import type { ThroughputRow } from "./rows.ts"
import type { ServerKind, ServerSet } from "./servers.ts"
import { perServer, rotatedKinds, serverKinds } from "./servers.ts"
import { settle } from "./settle.ts"
import { MiB } from "./units.ts"

/** One measurement of one row on one server. */
export interface Sample {
  readonly round: number
  readonly load: LoadResult
  /** CPU seconds the server process used during the measurement (procfs, user + system). */
  readonly serverCpuSeconds: number
  /** The part of them spent in the kernel. */
  readonly serverSystemCpuSeconds: number
  /** The server's peak RSS during the measurement. */
  readonly peakRssBytes: number
  /** What everything else on the machine took meanwhile. */
  readonly otherCpu: OtherCpu
}

export interface RowSamples {
  readonly row: ThroughputRow
  readonly samples: Record<ServerKind, Array<Sample>>
}

export interface ThroughputOptions {
  readonly rounds: number
  readonly durationSeconds: number
  readonly warmupSeconds: number
  readonly log: (line: string) => void
  /** RSS monitors of the server processes. */
  readonly monitors: Record<ServerKind, RssMonitor>
}

/** Fails as soon as the server process dies, instead of waiting for timeouts. */
const guarded = <A>(server: ChildServer, work: Promise<A>): Promise<A> => Promise.race([work, server.crashed])

const measure = async (
  row: ThroughputRow,
  server: ChildServer,
  servers: ServerSet,
  monitor: RssMonitor,
  durationSeconds: number,
  round: number
): Promise<Sample> => {
  monitor.beginPhase()
  const endCpuWindow = startCpuWindow(serverKinds.map((kind) => servers[kind].pid))
  const cpuBefore = readCpuTimes(server.pid)
  const load = await guarded(server, runRow(row, server, durationSeconds))
  const cpuAfter = readCpuTimes(server.pid)
  const serverSystemCpuSeconds = cpuAfter.systemSeconds - cpuBefore.systemSeconds
  const serverCpuSeconds = cpuAfter.userSeconds - cpuBefore.userSeconds + serverSystemCpuSeconds
  const otherCpu = endCpuWindow()
  const peakRssBytes = monitor.endPhase().peakBytes
  await settle({ flush: row.kind === "put" })
  return { round, load, serverCpuSeconds, serverSystemCpuSeconds, peakRssBytes, otherCpu }
}

/**
 * The warm-up version of a row: the same requests, but big transfers at most
 * 2 at a time (every connection sends at least one request, and 16 x 50 MiB
 * would make the warm-up longer than the measurement).
 */
const warmUpRow = (row: ThroughputRow): ThroughputRow =>
  row.size >= 16 * MiB ? { ...row, concurrency: Math.min(row.concurrency, 2) } : row

const describe = (sample: Sample): string => {
  const { load } = sample
  const rate = load.requests / load.seconds
  const errors = load.errors > 0 ? `, ${load.errors} errors (${load.firstError})` : ""
  const p99 = load.latencyP99Ms === undefined ? "" : `, p99 ${load.latencyP99Ms} ms`
  return `${rate.toFixed(1)} req/s, ${(load.bytes / load.seconds / 1e6).toFixed(1)} MB/s${p99}, ` +
    `cpu ${sample.serverCpuSeconds.toFixed(2)} s, peak RSS ${(sample.peakRssBytes / MiB).toFixed(0)} MiB, ` +
    `others ${sample.otherCpu.othersPercent.toFixed(0)}% of a core${errors}`
}

/**
 * Warms each server up on every row, then measures every row on every server,
 * round by round, the servers back to back within each row.
 */
export const runThroughputPhase = async (
  rows: ReadonlyArray<ThroughputRow>,
  servers: ServerSet,
  options: ThroughputOptions
): Promise<Array<RowSamples>> => {
  if (options.warmupSeconds > 0) {
    options.log(`warm-up: ${options.warmupSeconds} s per row and server`)
    for (const row of rows) {
      for (const kind of serverKinds) {
        await measure(warmUpRow(row), servers[kind], servers, options.monitors[kind], options.warmupSeconds, 0)
      }
    }
  }
  const results = rows.map((row): RowSamples => ({ row, samples: perServer(() => []) }))
  for (let round = 1; round <= options.rounds; round++) {
    options.log(`round ${round}/${options.rounds}`)
    for (const [index, entry] of results.entries()) {
      for (const kind of rotatedKinds(round, index)) {
        const sample = await measure(entry.row, servers[kind], servers, options.monitors[kind], options.durationSeconds, round)
        entry.samples[kind].push(sample)
        options.log(`  ${entry.row.id.padEnd(18)} ${kind.padEnd(5)} ${describe(sample)}`)
      }
    }
  }
  return results
}
