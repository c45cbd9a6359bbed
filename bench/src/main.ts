/**
 * `pnpm bench`: Hoard and a minimal raw node:http server, side by side, on the
 * same machine and file system. Prints a table of Hoard / raw ratios with
 * PASS/MISS per row and writes every round to bench/results/latest.json.
 * Progress goes to stderr, the report to stdout. See bench/README.md.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { installCleanupHandlers, trackDirectory } from "./cleanup.ts"
import { readConfig } from "./config.ts"
import type { BenchConfig } from "./config.ts"
import { formatLoad, loadAverage, machineFacts } from "./machine.ts"
import { memoryScenarios, runMemoryPhase } from "./memoryPhase.ts"
import { prepopulate } from "./prepopulate.ts"
import { renderReport } from "./report.ts"
import { writeResults } from "./results.ts"
import { throughputRows } from "./rows.ts"
import { monitorRss } from "./rssMonitor.ts"
import { startServerPair, stopServerPair } from "./servers.ts"
import type { ServerOptions } from "./servers.ts"
import { summarizeMemory, summarizeThroughput } from "./summarize.ts"
import type { MemorySummary, ThroughputSummary } from "./summarize.ts"
import { runThroughputPhase } from "./throughputPhase.ts"

const benchDirectory = resolve(import.meta.dirname, "..")
const repoRoot = resolve(benchDirectory, "..")

const started = performance.now()
const log = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
}

const serverOptions = (config: BenchConfig, workDirectory: string): ServerOptions => ({
  workDirectory,
  repoRoot,
  hoardNodeArgs: config.hoardNodeArgs,
  rawNodeArgs: config.rawNodeArgs,
  rawFsync: config.rawFsync
})

const runThroughput = async (config: BenchConfig, workDirectory: string) => {
  const rows = throughputRows.filter((row) => config.only?.test(row.id) ?? true)
  if (rows.length === 0) return { summaries: [], peakRss: undefined }
  log(`starting Hoard and the raw server for ${rows.length} throughput rows`)
  const servers = await startServerPair(serverOptions(config, workDirectory))
  const monitors = { hoard: monitorRss(servers.hoard.pid), raw: monitorRss(servers.raw.pid) }
  try {
    log(`Hoard pid ${servers.hoard.pid} at ${servers.hoard.url}; raw pid ${servers.raw.pid} at ${servers.raw.url}`)
    log("pre-populating the artifacts GET rows read")
    const downloadSizes = [...new Set(rows.filter((row) => row.kind === "get").map((row) => row.size))]
    await prepopulate(servers.hoard, downloadSizes)
    await prepopulate(servers.raw, downloadSizes)
    const samples = await runThroughputPhase(rows, servers, {
      rounds: config.rounds,
      durationSeconds: config.durationSeconds,
      warmupSeconds: config.warmupSeconds,
      log,
      monitors
    })
    return {
      summaries: samples.map(summarizeThroughput),
      peakRss: { hoard: monitors.hoard.overallPeakBytes(), raw: monitors.raw.overallPeakBytes() }
    }
  } finally {
    monitors.hoard.stop()
    monitors.raw.stop()
    await stopServerPair(servers)
    log("servers stopped; removing their artifacts")
    rmSync(workDirectory, { recursive: true, force: true })
  }
}

const runMemory = async (config: BenchConfig, workDirectory: string): Promise<Array<MemorySummary>> => {
  const scenarios = memoryScenarios(config.bigUploadMiB).filter((scenario) => config.only?.test(scenario.id) ?? true)
  if (scenarios.length === 0) return []
  log(`peak RSS during ${scenarios.length} upload bursts, ${config.memoryRounds} round(s), fresh servers`)
  const samples = await runMemoryPhase(scenarios, serverOptions(config, workDirectory), config.memoryRounds, log)
  return samples.map(summarizeMemory)
}

const main = async (): Promise<void> => {
  installCleanupHandlers()
  const config = readConfig(benchDirectory)
  const startedAt = new Date()
  const work = mkdtempSync(join(config.tmpRoot, "hoard-bench-"))
  const untrack = trackDirectory(work)
  try {
    const machine = machineFacts(work)
    log(`node ${machine.node}, ${machine.cores} cores, load ${formatLoad(machine.loadAverage)}, storage ${work} (${machine.storageFileSystem})`)
    const throughput: { summaries: Array<ThroughputSummary>; peakRss: { hoard: number; raw: number } | undefined } =
      await runThroughput(config, join(work, "throughput"))
    const memory = await runMemory(config, join(work, "memory"))
    const report = {
      config,
      machine,
      loadAtEnd: loadAverage(),
      elapsedSeconds: (performance.now() - started) / 1000,
      throughput: throughput.summaries,
      memory,
      throughputPeakRssBytes: throughput.peakRss
    }
    process.stdout.write(`\n${renderReport(report)}\n`)
    writeResults(config.resultsFile, { ...report, startedAt, finishedAt: new Date() })
    log(`results written to ${config.resultsFile}`)
  } finally {
    rmSync(work, { recursive: true, force: true })
    untrack()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nbenchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
