/**
 * `pnpm bench:fs`: Hoard, turborepo-remote-cache (the incumbent peer) and a
 * minimal raw node:http server, side by side, on the same machine and file
 * system. Prints a table of Hoard ÷ trrc and Hoard ÷ raw ratios with PASS/MISS
 * per row and writes every round to bench/results/latest.json.
 * Progress goes to stderr, the report to stdout. See bench/README.md.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { installCleanupHandlers, trackDirectory } from "./cleanup.ts"
import { readConfig } from "./config.ts"
import type { BenchConfig } from "./config.ts"
import { hoardUnderTest } from "./hoardInstall.ts"
import type { HoardUnderTest } from "./hoardInstall.ts"
import { formatLoad, loadAverage, machineFacts } from "./machine.ts"
import { memoryScenarios, runMemoryPhase } from "./memoryPhase.ts"
import { setUpPinning } from "./pinning.ts"
import { prepopulate } from "./prepopulate.ts"
import { checkProtocol } from "./protocolCheck.ts"
import { renderReport } from "./report.ts"
import { writeResults } from "./results.ts"
import { throughputRows } from "./rows.ts"
import { monitorRss } from "./rssMonitor.ts"
import type { RssMonitor } from "./rssMonitor.ts"
import { perServer, serverKinds, startServers, stopServers, trrcVersion } from "./servers.ts"
import type { ServerKind, ServerOptions } from "./servers.ts"
import { summarizeLatency, summarizeMemory, summarizeThroughput } from "./summarize.ts"
import type { MemorySummary, ThroughputSummary } from "./summarize.ts"
import { runThroughputPhase } from "./throughputPhase.ts"

const benchDirectory = resolve(import.meta.dirname, "..")
const repoRoot = resolve(benchDirectory, "..")

const started = performance.now()
const log = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
}

const serverOptions = (
  config: BenchConfig,
  hoardBin: string,
  workDirectory: string,
  serverCpu: number | undefined
): ServerOptions => ({
  workDirectory,
  repoRoot,
  hoardNodeArgs: config.hoardNodeArgs,
  hoardArgs: config.hoardArgs,
  hoardBin,
  rawNodeArgs: config.rawNodeArgs,
  trrcNodeArgs: config.trrcNodeArgs,
  rawFsync: config.rawFsync,
  serverCpu
})

interface ThroughputOutcome {
  readonly summaries: Array<ThroughputSummary>
  readonly peakRss: Record<ServerKind, number> | undefined
}

const runThroughput = async (options: ServerOptions, config: BenchConfig): Promise<ThroughputOutcome> => {
  const rows = throughputRows.filter((row) => config.only?.test(row.id) ?? true)
  if (rows.length === 0) return { summaries: [], peakRss: undefined }
  log(`starting Hoard, turborepo-remote-cache and the raw server for ${rows.length} throughput rows`)
  const servers = await startServers(options)
  const monitors: Record<ServerKind, RssMonitor> = perServer((kind) => monitorRss(servers[kind].pid))
  try {
    log(serverKinds.map((kind) => `${kind} pid ${servers[kind].pid} at ${servers[kind].url}`).join("; "))
    log("checking each server answers the benchmark's requests, then pre-populating the artifacts GET rows read")
    const downloadSizes = [...new Set(rows.filter((row) => row.kind === "get").map((row) => row.size))]
    for (const kind of serverKinds) {
      await checkProtocol(servers[kind])
      await prepopulate(servers[kind], downloadSizes)
    }
    const samples = await runThroughputPhase(rows, servers, {
      rounds: config.rounds,
      durationSeconds: config.durationSeconds,
      warmupSeconds: config.warmupSeconds,
      log,
      monitors
    })
    return { summaries: samples.map(summarizeThroughput), peakRss: perServer((kind) => monitors[kind].overallPeakBytes()) }
  } finally {
    for (const kind of serverKinds) monitors[kind].stop()
    await stopServers(servers)
    log("servers stopped; removing their artifacts")
    rmSync(options.workDirectory, { recursive: true, force: true })
  }
}

const runMemory = async (options: ServerOptions, config: BenchConfig): Promise<Array<MemorySummary>> => {
  const scenarios = memoryScenarios(config.bigUploadMiB).filter((scenario) => config.only?.test(scenario.id) ?? true)
  if (scenarios.length === 0) return []
  log(`peak RSS during ${scenarios.length} upload bursts, ${config.memoryRounds} round(s), fresh servers`)
  const samples = await runMemoryPhase(scenarios, options, config.memoryRounds, log)
  return samples.map(summarizeMemory)
}

const main = async (): Promise<void> => {
  installCleanupHandlers()
  const config = readConfig(benchDirectory)
  const pinning = setUpPinning(config.pin)
  const startedAt = new Date()
  const work = mkdtempSync(join(config.tmpRoot, "hoard-bench-"))
  const untrack = trackDirectory(work)
  let hoard: HoardUnderTest | undefined
  try {
    hoard = await hoardUnderTest(config, work, log)
    const machine = machineFacts(work)
    log(`node ${machine.node}, ${machine.cores} cores, load ${formatLoad(machine.loadAverage)}, storage ${work} (${machine.storageFileSystem})`)
    log(`CPU pinning ${pinning.description}`)
    log(`Hoard: ${hoard.description}`)
    const throughput = await runThroughput(serverOptions(config, hoard.bin, join(work, "throughput"), pinning.serverCpu), config)
    const memory = await runMemory(serverOptions(config, hoard.bin, join(work, "memory"), pinning.serverCpu), config)
    const report = {
      config,
      machine,
      hoard: hoard.description,
      pinning: pinning.description,
      trrcVersion: trrcVersion(),
      loadAtEnd: loadAverage(),
      elapsedSeconds: (performance.now() - started) / 1000,
      throughput: throughput.summaries,
      latency: summarizeLatency(throughput.summaries),
      memory,
      throughputPeakRssBytes: throughput.peakRss
    }
    process.stdout.write(`\n${renderReport(report)}\n`)
    writeResults(config.resultsFile, { ...report, startedAt, finishedAt: new Date() })
    log(`results written to ${config.resultsFile}`)
  } finally {
    await hoard?.cleanup()
    rmSync(work, { recursive: true, force: true })
    untrack()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nbenchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
