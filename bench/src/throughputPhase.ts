import type { ChildServer } from "./childServer.ts"
import type { LoadResult } from "./loadResult.ts"
import { readCpuSeconds } from "./procfs.ts"
import type { RssMonitor } from "./rssMonitor.ts"
import { runRow } from "./rows.ts"
import type { ThroughputRow } from "./rows.ts"
import type { ServerKind, ServerPair } from "./servers.ts"
import { serverKinds } from "./servers.ts"
import { settle } from "./settle.ts"
import { MiB } from "./units.ts"

/** One measurement of one row on one server. */
export interface Sample {
  readonly round: number
  readonly load: LoadResult
  /** CPU seconds the server process used during the measurement (procfs). */
  readonly serverCpuSeconds: number
  /** The server's peak RSS during the measurement. */
  readonly peakRssBytes: number
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
  /** RSS monitors of the two server processes. */
  readonly monitors: Record<ServerKind, RssMonitor>
}

/** Fails as soon as the server process dies, instead of waiting for timeouts. */
const guarded = <A>(server: ChildServer, work: Promise<A>): Promise<A> => Promise.race([work, server.crashed])

const measure = async (
  row: ThroughputRow,
  server: ChildServer,
  monitor: RssMonitor,
  durationSeconds: number,
  round: number
): Promise<Sample> => {
  monitor.beginPhase()
  const cpuBefore = readCpuSeconds(server.pid)
  const load = await guarded(server, runRow(row, server, durationSeconds))
  const serverCpuSeconds = readCpuSeconds(server.pid) - cpuBefore
  const peakRssBytes = monitor.endPhase().peakBytes
  await settle({ flush: row.kind === "put" })
  return { round, load, serverCpuSeconds, peakRssBytes }
}

/**
 * The warm-up version of a row: the same requests, but big transfers at most
 * 2 at a time (every connection sends at least one request, and 16 x 50 MiB
 * would make the warm-up longer than the measurement).
 */
const warmUpRow = (row: ThroughputRow): ThroughputRow =>
  row.size >= 16 * MiB ? { ...row, concurrency: Math.min(row.concurrency, 2) } : row

/** Alternates which server goes first, so neither always runs on the calmer (or noisier) side of a pair. */
const orderFor = (round: number, rowIndex: number): ReadonlyArray<ServerKind> =>
  (round + rowIndex) % 2 === 0 ? serverKinds : [...serverKinds].reverse()

const describe = (sample: Sample): string => {
  const { load } = sample
  const rate = load.requests / load.seconds
  const errors = load.errors > 0 ? `, ${load.errors} errors (${load.firstError})` : ""
  return `${rate.toFixed(1)} req/s, ${(load.bytes / load.seconds / 1e6).toFixed(1)} MB/s, ` +
    `cpu ${sample.serverCpuSeconds.toFixed(2)} s, peak RSS ${(sample.peakRssBytes / 1e6).toFixed(0)} MB${errors}`
}

/**
 * Warms each server up on every row, then measures every row on both servers,
 * round by round, the two servers back to back within each row.
 */
export const runThroughputPhase = async (
  rows: ReadonlyArray<ThroughputRow>,
  servers: ServerPair,
  options: ThroughputOptions
): Promise<Array<RowSamples>> => {
  if (options.warmupSeconds > 0) {
    options.log(`warm-up: ${options.warmupSeconds} s per row and server`)
    for (const row of rows) {
      for (const kind of serverKinds) {
        await measure(warmUpRow(row), servers[kind], options.monitors[kind], options.warmupSeconds, 0)
      }
    }
  }
  const results = rows.map((row): RowSamples => ({ row, samples: { hoard: [], raw: [] } }))
  for (let round = 1; round <= options.rounds; round++) {
    options.log(`round ${round}/${options.rounds}`)
    for (const [index, entry] of results.entries()) {
      for (const kind of orderFor(round, index)) {
        const sample = await measure(entry.row, servers[kind], options.monitors[kind], options.durationSeconds, round)
        entry.samples[kind].push(sample)
        options.log(`  ${entry.row.id.padEnd(18)} ${kind.padEnd(5)} ${describe(sample)}`)
      }
    }
  }
  return results
}
