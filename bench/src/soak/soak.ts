import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { MiB } from "../units.ts"
import { runMixedLoad } from "./mixedLoad.ts"
import type { LoadCounts } from "./mixedLoad.ts"
import type { ProbeReading } from "./probe.ts"
import { startSampler } from "./sampler.ts"
import type { Sample } from "./sampler.ts"
import { startSoakServer } from "./server.ts"
import { leastSquaresSlope, theilSenSlope } from "./slope.ts"
import type { Point } from "./slope.ts"

/**
 * A soak: one `hoard serve` under the mixed load for a while, its memory and
 * file descriptors sampled throughout, then left idle. What a leak looks
 * like: RSS that keeps rising after the warm-up (the caches, pools and JIT
 * have filled by then) at a steady slope, and is not given back when idle.
 */

export interface SoakOptions {
  readonly durationS: number
  readonly ratePerSecond: number
  readonly concurrency: number
  /** Samples before this (seconds from the start of the load) are left out of the trends. */
  readonly warmupS: number
  readonly sampleIntervalS: number
  /** Seconds of no load after the run, still sampled: is memory given back? */
  readonly idleS: number
  readonly tmpRoot: string
  readonly minPutBytes: number
  readonly maxPutBytes: number
  /** Extra node flags for the server. */
  readonly nodeArgs?: ReadonlyArray<string>
  /** The `hoard` bin to soak; default this workspace's. */
  readonly hoardBin?: string
  /** Seconds from the start of the load at which the server writes a heap snapshot (SIGUSR2). */
  readonly snapshotsAtS?: ReadonlyArray<number>
  /** Where snapshots go; default inside the work directory (removed at the end unless kept). */
  readonly snapshotDirectory?: string
  /** Full GC before each probe reading (investigation only: it changes what it measures). */
  readonly probeGc?: boolean
  readonly keepWorkDirectory?: boolean
  readonly log?: (line: string) => void
}

/** A series over the samples after the warm-up, until the load stops. */
export interface Trend {
  readonly startBytes: number
  readonly endBytes: number
  /** Least squares, MiB per minute. */
  readonly slopeMiBPerMin: number
  /** Theil–Sen (median of pairwise slopes), MiB per minute: robust to single GC or upload spikes. */
  readonly robustSlopeMiBPerMin: number
}

export interface SoakResult {
  readonly options: Omit<SoakOptions, "log">
  readonly load: LoadCounts
  /** Requests answered per second of load. */
  readonly achievedRate: number
  readonly rss: Trend & {
    /** Before any load. */
    readonly beforeLoadBytes: number
    /** At the end of the idle time. */
    readonly afterIdleBytes: number
    readonly peakBytes: number
  }
  readonly rssAnon: Trend
  /** From the in-process probe: where the memory is (undefined if the probe wrote nothing). */
  readonly breakdown: {
    readonly heapUsed: Trend
    readonly heapTotal: Trend
    readonly external: Trend
    readonly arrayBuffers: Trend
    readonly mallocedMemory: Trend
    /** Committed size of each V8 heap space. */
    readonly spaces: Readonly<Record<string, Trend>>
    readonly afterIdle: ProbeReading | undefined
  } | undefined
  readonly fds: {
    readonly beforeLoad: number
    /** Over the samples after the warm-up, while the load ran. */
    readonly min: number
    readonly max: number
    readonly afterIdle: number
  }
  readonly samples: ReadonlyArray<Sample>
  readonly probe: ReadonlyArray<ProbeReading & { readonly t: number }>
  readonly snapshots: ReadonlyArray<string>
}

const perMinute = (bytesPerSecond: number): number => (bytesPerSecond * 60) / MiB

export const trendOf = (points: ReadonlyArray<Point>): Trend => ({
  startBytes: points[0]?.value ?? Number.NaN,
  endBytes: points.at(-1)?.value ?? Number.NaN,
  slopeMiBPerMin: perMinute(leastSquaresSlope(points)),
  robustSlopeMiBPerMin: perMinute(theilSenSlope(points))
})

const readProbe = (file: string, loadStartedAt: number): Array<ProbeReading & { readonly t: number }> => {
  if (!existsSync(file)) return []
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        const reading = JSON.parse(line) as ProbeReading
        return [{ ...reading, t: (reading.at - loadStartedAt) / 1000 }]
      } catch {
        return []
      }
    })
}

/** Runs one soak on a freshly started server; the server is stopped (and its data removed) on every path. */
export const runSoak = async (options: SoakOptions): Promise<SoakResult> => {
  const { log: logOption, ...settings } = options
  const log = logOption ?? (() => undefined)
  const soak = await startSoakServer({
    tmpRoot: options.tmpRoot,
    probeIntervalMs: options.sampleIntervalS * 1000,
    ...(options.nodeArgs !== undefined && { nodeArgs: options.nodeArgs }),
    ...(options.hoardBin !== undefined && { hoardBin: options.hoardBin }),
    ...(options.probeGc !== undefined && { probeGc: options.probeGc }),
    ...(options.snapshotDirectory !== undefined && { snapshotDirectory: options.snapshotDirectory }),
    ...(options.keepWorkDirectory !== undefined && { keepWorkDirectory: options.keepWorkDirectory })
  })
  const { pid, url } = soak.server
  log(`hoard pid ${pid} at ${url}; work directory ${soak.workDirectory}`)
  const timers: Array<NodeJS.Timeout> = []
  try {
    // A second for the startup work (migrations, the first reconciliation) to settle.
    await sleep(1000)
    const loadStartedAt = Date.now()
    const sampler = startSampler(pid, options.sampleIntervalS * 1000)
    for (const at of options.snapshotsAtS ?? []) {
      timers.push(setTimeout(() => {
        log(`heap snapshot at ${at} s (SIGUSR2)`)
        process.kill(pid, "SIGUSR2")
      }, at * 1000))
    }
    const loadStarted = performance.now()
    const load = await Promise.race([
      runMixedLoad({
        url,
        ratePerSecond: options.ratePerSecond,
        durationMs: options.durationS * 1000,
        concurrency: options.concurrency,
        minPutBytes: options.minPutBytes,
        maxPutBytes: options.maxPutBytes,
        onProgress: (counts, elapsedMs) => {
          const second = Math.round(elapsedMs / 1000)
          if (second % 30 !== 0) return
          const last = sampler.samples().at(-1)
          log(
            `${second} s: ${counts.requests} requests, ${counts.errors} errors, ${counts.skipped} skipped` +
              (last === undefined ? "" : `; RSS ${(last.rssBytes / MiB).toFixed(1)} MiB, ${last.fds} fds`)
          )
        }
      }),
      soak.server.crashed
    ])
    const loadSeconds = (performance.now() - loadStarted) / 1000
    const loadEndT = sampler.sampleNow()?.t ?? loadSeconds
    log(`load done: ${load.requests} requests in ${loadSeconds.toFixed(0)} s; idle for ${options.idleS} s`)
    await Promise.race([sleep(options.idleS * 1000), soak.server.crashed])
    sampler.sampleNow()
    sampler.stop()

    const samples = sampler.samples()
    const steady = samples.filter((s) => s.t >= options.warmupS && s.t <= loadEndT)
    const probe = readProbe(soak.probeFile, loadStartedAt)
    const steadyProbe = probe.filter((p) => p.t >= options.warmupS && p.t <= loadEndT)
    const probeTrend = (field: Exclude<keyof ProbeReading, "spaces">) =>
      trendOf(steadyProbe.map((p) => ({ t: p.t, value: p[field] })))
    const spaceNames = Object.keys(steadyProbe[0]?.spaces ?? {})
    const afterIdle = samples.at(-1)!
    const snapshots = existsSync(soak.snapshotDirectory)
      ? readdirSync(soak.snapshotDirectory).filter((name) => name.endsWith(".heapsnapshot")).map((name) => join(soak.snapshotDirectory, name))
      : []
    return {
      options: settings,
      load,
      achievedRate: load.requests / loadSeconds,
      rss: {
        ...trendOf(steady.map((s) => ({ t: s.t, value: s.rssBytes }))),
        beforeLoadBytes: samples[0]!.rssBytes,
        afterIdleBytes: afterIdle.rssBytes,
        peakBytes: Math.max(...samples.map((s) => s.rssBytes))
      },
      rssAnon: trendOf(steady.map((s) => ({ t: s.t, value: s.rssAnonBytes }))),
      breakdown: steadyProbe.length < 2 ? undefined : {
        heapUsed: probeTrend("heapUsed"),
        heapTotal: probeTrend("heapTotal"),
        external: probeTrend("external"),
        arrayBuffers: probeTrend("arrayBuffers"),
        mallocedMemory: probeTrend("mallocedMemory"),
        spaces: Object.fromEntries(spaceNames.map((name) => [
          name,
          trendOf(steadyProbe.map((p) => ({ t: p.t, value: p.spaces[name]?.size ?? Number.NaN })))
        ])),
        afterIdle: probe.at(-1)
      },
      fds: {
        beforeLoad: samples[0]!.fds,
        min: Math.min(...steady.map((s) => s.fds)),
        max: Math.max(...steady.map((s) => s.fds)),
        afterIdle: afterIdle.fds
      },
      samples,
      probe,
      snapshots
    }
  } finally {
    for (const timer of timers) clearTimeout(timer)
    await soak.stop()
  }
}
