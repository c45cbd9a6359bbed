/**
 * `pnpm bench:index`: the cache index under load. Populates Hoard through its
 * real HTTP path (100k artifacts, ~1M events), then, on SQLite and on
 * PostgreSQL, times the management reads, samples Hoard's RSS, times the first
 * reads after a restart, and compares PUT throughput with and without a quota.
 * Prints a markdown table with PASS/MISS per target to stdout, progress to
 * stderr, every sample to bench/results/index-latest.json. See bench/INDEX.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import type { ChildServer } from "../childServer.ts"
import { cleanUpNow, installCleanupHandlers, trackDirectory } from "../cleanup.ts"
import { loadAverage, machineFacts } from "../machine.ts"
import { formatLoad } from "../machine.ts"
import { readCpuSeconds } from "../procfs.ts"
import { median } from "../stats.ts"
import { backendLabel, startBackend } from "./backends.ts"
import type { BackendKind } from "./backends.ts"
import { makeClient } from "./client.ts"
import { describeRss, readRssBreakdown } from "./memory.ts"
import type { RssBreakdown } from "./memory.ts"
import { readIndexConfig } from "./config.ts"
import type { IndexBenchConfig } from "./config.ts"
import { startHoardWithIndex } from "./hoardIndexServer.ts"
import type { HoardSite } from "./hoardIndexServer.ts"
import { populate } from "./populate.ts"
import { comparePutThroughput } from "./putQuota.ts"
import { measureFirstReads, measureWarmReads, readKinds } from "./reads.ts"
import { allPass, indexTargets, renderIndexReport } from "./report.ts"
import type { BackendFailure, BackendResult, FirstRead, IndexReport, RestartRound } from "./report.ts"

const benchDirectory = resolve(import.meta.dirname, "..", "..")
const repoRoot = resolve(benchDirectory, "..")

const started = performance.now()
const log = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`)
}

/**
 * Waits until the server uses less than 5% of a core over two half-second
 * samples in a row (the index writer done, the start-up walk of storage
 * over), at most `maxSeconds`. Returns the seconds waited.
 */
const waitForIdle = async (server: ChildServer, maxSeconds: number): Promise<number> => {
  const begin = performance.now()
  let quiet = 0
  let previous = readCpuSeconds(server.pid)
  while (quiet < 2 && performance.now() - begin < maxSeconds * 1000) {
    await sleep(500)
    const now = readCpuSeconds(server.pid)
    quiet = now - previous < 0.025 ? quiet + 1 : 0
    previous = now
  }
  const waited = (performance.now() - begin) / 1000
  if (quiet < 2) log(`  (the server was still busy after ${maxSeconds} s; going on)`)
  return waited
}

const startTimed = async (site: HoardSite): Promise<{ server: ChildServer; seconds: number }> => {
  const begin = performance.now()
  const server = await startHoardWithIndex(site)
  return { server, seconds: (performance.now() - begin) / 1000 }
}

const runBackend = async (kind: BackendKind, config: IndexBenchConfig, work: string): Promise<BackendResult> => {
  const begin = performance.now()
  const directory = join(work, kind)
  mkdirSync(directory, { recursive: true })
  log(`${backendLabel[kind]}: preparing a fresh index`)
  const backend = await startBackend(kind, directory, config.tmpRoot)
  let server: ChildServer | undefined
  try {
    const site: HoardSite = { repoRoot, directory, indexSpec: backend.spec, nodeArgs: config.hoardNodeArgs }
    log(`  index: ${backend.description}`)
    server = (await startTimed(site)).server
    log(`  Hoard pid ${server.pid} at ${server.url}`)

    const populateClient = makeClient(server.url, 4)
    const populated = await populate(server, populateClient, config, log).finally(() => populateClient.close())
    const populatedRss = readRssBreakdown(server.pid)
    log(`  Hoard RSS after populating: ${describeRss(populatedRss)}; restarting it for the reads`)

    // The reads run on a freshly started server, so that its RSS is what reading costs, not what populating left.
    await server.stop()
    server = undefined
    server = (await startTimed(site)).server
    const restartedRss = { atStart: readRssBreakdown(server.pid), afterIdle: undefined as RssBreakdown | undefined }
    log(`  waited ${(await waitForIdle(server, 180)).toFixed(1)} s for the server to go idle`)
    restartedRss.afterIdle = readRssBreakdown(server.pid)
    log(`  restarted Hoard's RSS: ${describeRss(restartedRss.atStart)} at start, ${describeRss(restartedRss.afterIdle)} once idle`)

    let client = makeClient(server.url, 1)
    const kinds = await readKinds(client, config.artifacts, config.quotaShare)
    log(`  warm reads: ${config.warmupReads} warm-up rounds, then ${config.reads} rounds of ${kinds.length} kinds`)
    const warm = await measureWarmReads(server, client, kinds, config.reads, config.warmupReads)
    for (const timing of warm.kinds) {
      log(`    ${timing.id.padEnd(17)} median ${timing.medianMs.toFixed(2)} ms, p90 ${timing.p90Ms.toFixed(2)} ms, max ${timing.maxMs.toFixed(2)} ms`)
    }
    log(`    Hoard RSS: idle ${(warm.idleRssBytes / 1e6).toFixed(0)} MB, peak during the reads ${(warm.peakRssBytes / 1e6).toFixed(0)} MB`)
    client.close()

    const restarts: Array<RestartRound> = []
    for (let restart = 0; restart < config.restarts; restart++) {
      await server.stop()
      server = undefined
      const { server: fresh, seconds } = await startTimed(site)
      server = fresh
      const startRss = readRssBreakdown(server.pid)
      const idleSeconds = config.firstReadsAfterIdle ? await waitForIdle(server, 180) : 0
      client = makeClient(server.url, 1)
      const firstMs = await measureFirstReads(server, client, kinds, restart)
      client.close()
      const order = Object.keys(firstMs)
      restarts.push({ restart: restart + 1, startSeconds: seconds, idleSeconds, rssAtStart: startRss, firstMs, order })
      log(`  restart ${restart + 1}/${config.restarts}: listening after ${seconds.toFixed(1)} s${
        config.firstReadsAfterIdle ? `, idle after ${idleSeconds.toFixed(1)} s more` : ""
      }, RSS ${describeRss(startRss)}; first reads ${
        order.map((id) => `${id} ${firstMs[id]!.toFixed(1)} ms`).join(", ")
      }`)
    }
    const firstReads = warm.kinds.map((timing): FirstRead => {
      const firsts = restarts.map((round) => round.firstMs[timing.id]!)
      const medianFirstMs = median(firsts)
      const worstFirstMs = Math.max(...firsts)
      return {
        id: timing.id,
        medianFirstMs,
        worstFirstMs,
        warmMedianMs: timing.medianMs,
        ratio: medianFirstMs / timing.medianMs,
        worstRatio: worstFirstMs / timing.medianMs
      }
    })

    log(`  waited ${(await waitForIdle(server, 180)).toFixed(1)} s for the restarted server to go idle`)
    log(`  PUT throughput, team quota vs team bench: ${config.putRounds} rounds of ${config.putSeconds} s, c=${config.putConnections}`)
    const put = await comparePutThroughput(server, {
      rounds: config.putRounds,
      seconds: config.putSeconds,
      connections: config.putConnections,
      log
    })
    log(`    quota ÷ bench: median ${put.medianRatio.toFixed(3)} (rounds ${put.ratios.map((ratio) => ratio.toFixed(3)).join(" ")}); ` +
      `server CPU per request quota ÷ bench ${put.cpuPerRequestRatio.toFixed(3)}`)
    return {
      kind,
      description: backend.description,
      populate: populated,
      populatedRss,
      restartedRss,
      warm,
      restarts,
      firstReads,
      put,
      seconds: (performance.now() - begin) / 1000
    }
  } finally {
    await server?.stop()
    await backend.stop().catch((error: unknown) => log(`  could not stop the ${backendLabel[kind]} index: ${String(error)}`))
    log(`  ${backendLabel[kind]}: stopped; removing its storage and index`)
    rmSync(directory, { recursive: true, force: true })
  }
}

const writeResults = (file: string, report: IndexReport, startedAt: Date): void => {
  const document = {
    benchmark: "Hoard cache index: reads, restarts and quota PUTs at scale",
    ...report,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    targets: indexTargets,
    allPass: allPass(report)
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`)
}

const main = async (): Promise<void> => {
  installCleanupHandlers()
  const config = readIndexConfig(benchDirectory)
  const watchdog = setTimeout(() => {
    process.stderr.write(`\nbench:index did not finish within ${config.timeoutMinutes} minutes: stopping everything\n`)
    cleanUpNow()
    process.exit(1)
  }, config.timeoutMinutes * 60_000)
  watchdog.unref()
  const startedAt = new Date()
  mkdirSync(config.tmpRoot, { recursive: true })
  const work = mkdtempSync(join(config.tmpRoot, "hoard-index-bench-"))
  const untrack = trackDirectory(work)
  try {
    const machine = machineFacts(work)
    log(`node ${machine.node}, ${machine.cores} cores, load ${formatLoad(machine.loadAverage)}; ${config.artifacts} artifacts, ~${config.events} events; backends ${config.backends.join(", ")}`)
    const results: Array<BackendResult> = []
    const failures: Array<BackendFailure> = []
    for (const kind of config.backends) {
      try {
        results.push(await runBackend(kind, config, work))
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
        log(`${backendLabel[kind]} FAILED: ${message}`)
        failures.push({ kind, error: message })
      }
    }
    const report: IndexReport = {
      config,
      machine,
      loadAtEnd: loadAverage(),
      elapsedSeconds: (performance.now() - started) / 1000,
      results,
      failures
    }
    process.stdout.write(`\n${renderIndexReport(report, config.backends)}\n`)
    writeResults(config.resultsFile, report, startedAt)
    log(`results written to ${config.resultsFile}`)
    if (failures.length > 0) process.exitCode = 1
  } finally {
    clearTimeout(watchdog)
    rmSync(work, { recursive: true, force: true })
    untrack()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\nbench:index failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
