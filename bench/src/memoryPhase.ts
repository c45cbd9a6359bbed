import { artifactPath, hashOf } from "./protocol.ts"
import { readMemoryStatus } from "./procfs.ts"
import { monitorRss } from "./rssMonitor.ts"
import type { PhasePeak } from "./rssMonitor.ts"
import type { ServerKind, ServerOptions } from "./servers.ts"
import { perServer, rotatedKinds, startServer } from "./servers.ts"
import { settle } from "./settle.ts"
import { runTransferLoad } from "./transferLoad.ts"
import { KiB, MiB, sizeLabel } from "./units.ts"

/** A burst of uploads during which the server's peak RSS is measured. */
export interface MemoryScenario {
  readonly id: string
  readonly label: string
  readonly size: number
  readonly concurrency: number
}

export const memoryScenarios = (bigUploadMiB: number): ReadonlyArray<MemoryScenario> => [
  { id: `rss-1x${bigUploadMiB}MiB-put`, label: `peak RSS, 1 x ${sizeLabel(bigUploadMiB * MiB)} PUT`, size: bigUploadMiB * MiB, concurrency: 1 },
  { id: "rss-16x50MiB-put", label: "peak RSS, 16 x 50 MiB PUT", size: 50 * MiB, concurrency: 16 }
]

export interface MemorySample {
  readonly round: number
  /** RSS after start-up and warm-up, just before the burst. */
  readonly idleBytes: number
  readonly peak: PhasePeak
  /** Client-side MB/s of the burst, for information. */
  readonly mbPerSecond: number
}

export interface ScenarioSamples {
  readonly scenario: MemoryScenario
  readonly samples: Record<ServerKind, Array<MemorySample>>
}

/** A few small and one 1 MiB round trip, so the measured burst does not pay first-use costs. */
const warmUp = async (url: string): Promise<void> => {
  for (const size of [KiB, MiB]) {
    for (const method of ["PUT", "GET"] as const) {
      const result = await runTransferLoad({
        baseUrl: url,
        method,
        size,
        concurrency: 2,
        stop: { requestsPerWorker: 2 },
        pathFor: (worker, sequence) => artifactPath(hashOf(0xd0 + (size === KiB ? 0 : 1), worker * 2 + sequence))
      })
      if (result.errors > 0) throw new Error(`memory warm-up failed: ${result.firstError}`)
    }
  }
}

const measureOnFreshServer = async (
  kind: ServerKind,
  scenario: MemoryScenario,
  scenarioIndex: number,
  serverOptions: ServerOptions,
  round: number
): Promise<MemorySample> => {
  const server = await startServer(kind, serverOptions)
  try {
    await warmUp(server.url)
    await settle({ pauseMs: 500 })
    const idleBytes = readMemoryStatus(server.pid)?.rssBytes ?? Number.NaN
    const monitor = monitorRss(server.pid)
    monitor.beginPhase()
    const load = await Promise.race([
      runTransferLoad({
        baseUrl: server.url,
        method: "PUT",
        size: scenario.size,
        concurrency: scenario.concurrency,
        stop: { requestsPerWorker: 1 },
        pathFor: (worker) => artifactPath(hashOf(0xc0 + scenarioIndex, worker))
      }),
      server.crashed
    ])
    const peak = monitor.endPhase()
    monitor.stop()
    if (load.errors > 0) throw new Error(`${scenario.id} on ${kind} failed: ${load.firstError}`)
    return { round, idleBytes, peak, mbPerSecond: load.bytes / load.seconds / 1e6 }
  } finally {
    await server.stop()
    await settle()
  }
}

/** Each burst runs on a freshly started server, so its peak does not depend on what ran before. */
export const runMemoryPhase = async (
  scenarios: ReadonlyArray<MemoryScenario>,
  serverOptions: ServerOptions,
  rounds: number,
  log: (line: string) => void
): Promise<Array<ScenarioSamples>> => {
  const results = scenarios.map((scenario): ScenarioSamples => ({ scenario, samples: perServer(() => []) }))
  for (let round = 1; round <= rounds; round++) {
    log(`memory round ${round}/${rounds}`)
    for (const [index, entry] of results.entries()) {
      for (const kind of rotatedKinds(round, index)) {
        const sample = await measureOnFreshServer(kind, entry.scenario, index, serverOptions, round)
        entry.samples[kind].push(sample)
        const mib = (bytes: number) => (bytes / MiB).toFixed(0)
        log(
          `  ${entry.scenario.id.padEnd(18)} ${kind.padEnd(5)} idle ${mib(sample.idleBytes)} MiB, peak ${mib(sample.peak.peakBytes)} MiB` +
            ` (sampled ${mib(sample.peak.sampledBytes)}, VmHWM ${sample.peak.hwmBytes === undefined ? "n/a" : mib(sample.peak.hwmBytes)}),` +
            ` ${sample.mbPerSecond.toFixed(0)} MB/s`
        )
      }
    }
  }
  return results
}
