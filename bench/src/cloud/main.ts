/**
 * The cloud adapters' benchmark: for each emulator (the GCS Storage emulator,
 * Azurite, fauxqs, Ceph radosgw when installed), Hoard as a child process on
 * that storage, measured over HTTP, against the same transfers made directly
 * with the cloud SDK in this process, interleaved round by round. Prints the
 * table to stdout, progress to stderr, and writes bench/results/cloud-latest.json.
 *
 *   node bench/src/cloud/main.ts          (BENCH_QUICK=1 for a smoke run)
 *
 * See bench/CLOUD.md.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { installCleanupHandlers, trackDirectory } from "../cleanup.ts"
import { formatLoad, loadAverage, machineFacts } from "../machine.ts"
import type { BackendDefinition } from "./backend.ts"
import { backendDefinitions } from "./backends/index.ts"
import { readCloudConfig } from "./config.ts"
import type { CloudBenchConfig } from "./config.ts"
import { startHoardOn } from "./hoardServer.ts"
import { runCloudPhase } from "./phase.ts"
import { renderCloudReport } from "./report.ts"
import type { BackendOutcome } from "./report.ts"
import { writeCloudResults } from "./results.ts"
import { cloudRows, prepopulate } from "./rows.ts"
import type { CloudRow } from "./rows.ts"
import { summarizeCloudRow } from "./summarize.ts"

const benchDirectory = resolve(import.meta.dirname, "..", "..")
const repoRoot = resolve(benchDirectory, "..")

/** Reset when the suite starts (under `pnpm bench` it runs after the fs suite). */
let started = performance.now()
const log = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
}

const errorText = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error))

/** Emulator up, Hoard up, objects for the GET rows uploaded, rounds measured; everything stopped again. */
const measureBackend = async (
  definition: BackendDefinition,
  rows: ReadonlyArray<CloudRow>,
  config: CloudBenchConfig,
  workDirectory: string
): Promise<BackendOutcome> => {
  const backendStarted = performance.now()
  mkdirSync(workDirectory, { recursive: true })
  log(`${definition.label}: starting the emulator`)
  const backend = await definition.start(workDirectory, log)
  try {
    log(`${definition.label}: starting Hoard on ${backend.storageUrl}`)
    const hoard = await startHoardOn(backend, { workDirectory, repoRoot, nodeArgs: config.hoardNodeArgs, log })
    try {
      log(`${definition.label}: Hoard pid ${hoard.pid} at ${hoard.url}; emulator pid(s) ${backend.emulatorPids().join(" ")}`)
      log(`${definition.label}: uploading the objects the GET rows read, through Hoard and through the SDK`)
      await Promise.race([prepopulate(rows, hoard, backend.sdk), hoard.crashed])
      const samples = await runCloudPhase(rows, hoard, backend, { rounds: config.rounds, warmup: config.warmup, log })
      return {
        id: definition.id,
        label: definition.label,
        status: "measured",
        sdkDescription: backend.sdkDescription,
        storageUrl: backend.storageUrl,
        rows: samples.map((entry) => summarizeCloudRow(definition.id, entry)),
        seconds: (performance.now() - backendStarted) / 1000
      }
    } finally {
      await hoard.stop()
    }
  } finally {
    await backend.stop()
    rmSync(workDirectory, { recursive: true, force: true })
    log(`${definition.label}: stopped`)
  }
}

/** Runs every selected backend; a backend that cannot start is reported and the others still run. Returns whether all ran. */
export const runCloudBench = async (): Promise<boolean> => {
  started = performance.now()
  const config = readCloudConfig(benchDirectory)
  const rows = cloudRows(config.quick).filter((row) => config.only?.test(row.id) ?? true)
  if (rows.length === 0) throw new Error(`BENCH_CLOUD_ONLY=${config.only?.source} matches no row`)
  const startedAt = new Date()
  const work = mkdtempSync(join(config.tmpRoot, "hoard-cloud-bench-"))
  const untrack = trackDirectory(work)
  try {
    const machine = machineFacts(work)
    log(`cloud: node ${machine.node}, ${machine.cores} cores, load ${formatLoad(machine.loadAverage)}; backends ${config.backends.join(", ")}`)
    const outcomes: Array<BackendOutcome> = []
    for (const id of config.backends) {
      const definition = backendDefinitions[id]
      const unavailable = definition.unavailable()
      if (unavailable !== undefined) {
        log(`${definition.label}: skipped, ${unavailable}`)
        outcomes.push({ id, label: definition.label, status: "skipped", reason: unavailable })
        continue
      }
      try {
        outcomes.push(await measureBackend(definition, rows, config, join(work, id)))
      } catch (error) {
        log(`${definition.label}: failed\n${errorText(error)}`)
        outcomes.push({ id, label: definition.label, status: "failed", reason: error instanceof Error ? error.message : String(error) })
      }
    }
    const report = { config, machine, loadAtEnd: loadAverage(), elapsedSeconds: (performance.now() - started) / 1000, rows, backends: outcomes }
    process.stdout.write(`\n${renderCloudReport(report)}\n`)
    writeCloudResults(config.resultsFile, { ...report, startedAt, finishedAt: new Date() })
    log(`results written to ${config.resultsFile}`)
    return outcomes.every((outcome) => outcome.status !== "failed")
  } finally {
    rmSync(work, { recursive: true, force: true })
    untrack()
  }
}

if (import.meta.main) {
  installCleanupHandlers()
  runCloudBench().then(
    (allRan) => {
      if (!allRan) process.exitCode = 1
    },
    (error: unknown) => {
      process.stderr.write(`\ncloud benchmark failed: ${errorText(error)}\n`)
      process.exitCode = 1
    }
  )
}
