/**
 * `pnpm bench:eviction`: what a size budget costs uploads, and whether the
 * evictor keeps the disk within it. Sustained PUTs of 1 MiB artifacts (each a
 * new hash) at 16 connections to Hoard (fs storage, SQLite index) in a child
 * process: run A without a budget (the baseline), run B with a budget of a
 * tenth of what a run uploads, the evictor every second. A and B alternate
 * (the order flipping each round), each on a fresh server and directory;
 * the storage directory is walked every 250 ms. Prints per run and medians,
 * B ÷ A throughput, and the peak disk use against the budget; progress to
 * stderr; every run and sample to bench/results/eviction-latest.json.
 * See bench/src/eviction/README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { setTimeout as sleep } from "node:timers/promises"
import { startChildServer } from "../childServer.ts"
import type { ChildServer } from "../childServer.ts"
import { installCleanupHandlers, trackDirectory } from "../cleanup.ts"
import { flag, positiveInt } from "../config.ts"
import { formatLoad, loadAverage, machineFacts } from "../machine.ts"
import { readCpuSeconds } from "../procfs.ts"
import { authorizationHeader, benchTeam, benchToken, hashOf } from "../protocol.ts"
import { settle } from "../settle.ts"
import { maxOf, median } from "../stats.ts"
import { formatNumber, formatRate, renderTable, verdict } from "../table.ts"
import { MiB } from "../units.ts"
import { measureDirectory, sampleDiskUse } from "./diskUse.ts"
import type { DiskSample } from "./diskUse.ts"
import { runPutLoad } from "./putLoad.ts"
import type { PutLoadResult } from "./putLoad.ts"

const benchDirectory = resolve(import.meta.dirname, "..", "..")
const repoRoot = resolve(benchDirectory, "..")
const serverScript = fileURLToPath(new URL("./server.ts", import.meta.url))

const teamsMode = (raw: string | undefined): "open" | "configured" => {
  if (raw === undefined || raw === "" || raw === "open") return "open"
  if (raw === "configured") return "configured"
  throw new Error(`BENCH_EVICTION_TEAMS must be open or configured, got "${raw}"`)
}

const quick = flag("BENCH_QUICK")
const config = {
  quick,
  /** `BENCH_EVICTION_ROUNDS`: rounds, each one run A and one run B. */
  rounds: positiveInt("BENCH_EVICTION_ROUNDS", quick ? 1 : 3),
  /** `BENCH_EVICTION_TOTAL_MIB`: MiB stored per run (1 MiB artifacts; uploads refused with 507 do not count). */
  totalMiB: positiveInt("BENCH_EVICTION_TOTAL_MIB", quick ? 256 : 6144),
  /** `BENCH_EVICTION_CONNECTIONS`: uploads in flight. */
  connections: positiveInt("BENCH_EVICTION_CONNECTIONS", 16),
  /** `BENCH_EVICTION_INTERVAL_MS`: the evictor's interval in run B. */
  intervalMs: positiveInt("BENCH_EVICTION_INTERVAL_MS", 1000),
  /** `BENCH_EVICTION_SAMPLE_MS`: how often the storage directory is walked. */
  sampleMs: positiveInt("BENCH_EVICTION_SAMPLE_MS", 250),
  /** `BENCH_EVICTION_MAX_SECONDS`: a run stops starting uploads after this long, stored or not. */
  maxSeconds: positiveInt("BENCH_EVICTION_MAX_SECONDS", 60),
  /**
   * `BENCH_EVICTION_TEAMS`: `open` (every team name accepted, one plain token:
   * `hoard serve --token`) or `configured` (team `bench` in an access config).
   */
  teams: teamsMode(process.env["BENCH_EVICTION_TEAMS"]),
  tmpRoot: resolve(process.env["BENCH_TMPDIR"] ?? tmpdir()),
  hoardNodeArgs: (process.env["BENCH_HOARD_NODE_ARGS"] ?? "").split(/\s+/u).filter(Boolean),
  resultsFile: resolve(process.env["BENCH_RESULTS"] ?? resolve(benchDirectory, "results", "eviction-latest.json"))
}
/** `BENCH_EVICTION_BUDGET_MIB`: run B's budget; default a tenth of a run's uploads. */
const budgetBytes = positiveInt("BENCH_EVICTION_BUDGET_MIB", Math.max(1, Math.round(config.totalMiB / 10))) * MiB
const artifactBytes = MiB
/** After the load, how long the disk is still sampled (the evictor's last rounds). */
const settleMs = Math.max(2000, 3 * config.intervalMs)
const ceilingBytes = 1.1 * budgetBytes + artifactBytes

const targets = {
  throughputRatio: "accepted MiB/s B ÷ A (medians) ≥ 0.90",
  peakDisk: "peak disk use in B ≤ 1.1 × budget + one artifact"
}

type Variant = "A" | "B"
const variantLabel: Record<Variant, string> = {
  A: "A: no budget",
  B: `B: budget ${formatNumber(budgetBytes / MiB)} MiB, evictor every ${config.intervalMs} ms`
}

const started = performance.now()
const log = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
}

interface CacheFigures {
  readonly storage_bytes: number
  readonly artifact_count: number
  readonly evicted: { readonly count: number; readonly bytes: number }
}

interface Run {
  readonly round: number
  readonly variant: Variant
  readonly load: PutLoadResult
  readonly acceptedMiBPerSecond: number
  readonly requestsPerSecond: number
  /** Server CPU (user + system) per accepted MiB. */
  readonly cpuMsPerAcceptedMiB: number
  readonly peakDiskBytes: number
  readonly endOfLoadDiskBytes: number
  /** After `settleMs` more: the evictor's last rounds done. */
  readonly finalDiskBytes: number
  /** What the index says at the end. */
  readonly cache: CacheFigures
  readonly samples: ReadonlyArray<DiskSample>
}

const startHoard = (variant: Variant, directory: string): Promise<ChildServer> =>
  startChildServer({
    name: `hoard (${variant})`,
    cwd: repoRoot,
    args: [
      ...config.hoardNodeArgs,
      serverScript,
      "--storage", join(directory, "storage"),
      "--index", join(directory, "index", "hoard.db"),
      "--token", benchToken,
      ...(config.teams === "configured" ? ["--team", benchTeam] : []),
      ...(variant === "B" ? ["--max-size", String(budgetBytes), "--interval-ms", String(config.intervalMs)] : [])
    ],
    urlPattern: /Hoard is listening on (http:\/\/\S+)/u,
    startTimeoutMs: 60_000
  })

const readCache = async (server: ChildServer): Promise<CacheFigures> => {
  const response = await fetch(`${server.url}/api/v1/teams/${benchTeam}/retention`, { headers: authorizationHeader })
  if (response.status !== 200) throw new Error(`GET .../retention answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { cache: CacheFigures }).cache
}

/** Hash families: the warm-up's, then the measured uploads' (each run has its own server). */
const warmupFamily = 0xe0
const measuredFamily = 0xe1

const runOne = async (work: string, round: number, variant: Variant): Promise<Run> => {
  const directory = mkdtempSync(join(work, `round${round}-${variant}-`))
  const storage = join(directory, "storage")
  const server = await startHoard(variant, directory)
  try {
    // One upload per connection, unmeasured: connections, JIT, the index's first writes.
    const warmup = await runPutLoad({
      baseUrl: server.url,
      size: artifactBytes,
      connections: config.connections,
      accepted: config.connections,
      pathFor: (n) => `/v8/artifacts/${hashOf(warmupFamily, n)}?slug=${benchTeam}`,
      maxMs: 30_000
    })
    if (warmup.accepted !== config.connections) throw new Error(`warm-up: ${warmup.firstFailure ?? "uploads refused"}`)
    await settle()
    const cpuBefore = readCpuSeconds(server.pid)
    const sampler = sampleDiskUse(storage, config.sampleMs)
    const load = await Promise.race([
      runPutLoad({
        baseUrl: server.url,
        size: artifactBytes,
        connections: config.connections,
        accepted: config.totalMiB,
        pathFor: (n) => `/v8/artifacts/${hashOf(measuredFamily, n)}?slug=${benchTeam}`,
        maxMs: config.maxSeconds * 1000
      }),
      server.crashed
    ])
    const cpuSeconds = readCpuSeconds(server.pid) - cpuBefore
    const endOfLoad = await measureDirectory(storage)
    await sleep(settleMs)
    const samples = await sampler.stop()
    const cache = await readCache(server)
    const acceptedMiB = load.acceptedBytes / MiB
    return {
      round,
      variant,
      load,
      acceptedMiBPerSecond: acceptedMiB / load.seconds,
      requestsPerSecond: (load.accepted + load.insufficient) / load.seconds,
      cpuMsPerAcceptedMiB: acceptedMiB > 0 ? (cpuSeconds * 1000) / acceptedMiB : Number.NaN,
      peakDiskBytes: maxOf(samples.map((sample) => sample.bytes)),
      endOfLoadDiskBytes: endOfLoad.bytes,
      finalDiskBytes: samples.at(-1)!.bytes,
      cache,
      samples
    }
  } finally {
    await server.stop()
    rmSync(directory, { recursive: true, force: true })
    await settle()
  }
}

const mib = (bytes: number) => formatNumber(bytes / MiB, 0)

const runRow = (run: Run): Array<string> => [
  String(run.round),
  run.variant,
  formatNumber(run.load.seconds, 1),
  formatRate(run.acceptedMiBPerSecond),
  formatRate(run.requestsPerSecond),
  String(run.load.accepted),
  String(run.load.insufficient),
  String(run.load.failed),
  formatNumber(run.cpuMsPerAcceptedMiB, 1),
  mib(run.peakDiskBytes),
  mib(run.endOfLoadDiskBytes),
  mib(run.finalDiskBytes),
  `${run.cache.evicted.count} / ${mib(run.cache.evicted.bytes)}`
]

const summarize = (runs: ReadonlyArray<Run>) => {
  const of = (variant: Variant) => runs.filter((run) => run.variant === variant)
  const medianOf = (variant: Variant, pick: (run: Run) => number) => median(of(variant).map(pick))
  const summary = (variant: Variant) => ({
    acceptedMiBPerSecond: medianOf(variant, (run) => run.acceptedMiBPerSecond),
    requestsPerSecond: medianOf(variant, (run) => run.requestsPerSecond),
    insufficient: medianOf(variant, (run) => run.load.insufficient),
    failed: medianOf(variant, (run) => run.load.failed),
    cpuMsPerAcceptedMiB: medianOf(variant, (run) => run.cpuMsPerAcceptedMiB),
    peakDiskBytes: medianOf(variant, (run) => run.peakDiskBytes),
    highestPeakDiskBytes: maxOf(of(variant).map((run) => run.peakDiskBytes)),
    finalDiskBytes: medianOf(variant, (run) => run.finalDiskBytes)
  })
  const a = summary("A")
  const b = summary("B")
  const roundRatios = [...new Set(runs.map((run) => run.round))].map((round) => {
    const pair = runs.filter((run) => run.round === round)
    return pair.find((run) => run.variant === "B")!.acceptedMiBPerSecond / pair.find((run) => run.variant === "A")!.acceptedMiBPerSecond
  })
  const throughputRatio = b.acceptedMiBPerSecond / a.acceptedMiBPerSecond
  return {
    A: a,
    B: b,
    throughputRatio,
    requestRatio: b.requestsPerSecond / a.requestsPerSecond,
    roundRatios,
    cpuRatio: b.cpuMsPerAcceptedMiB / a.cpuMsPerAcceptedMiB,
    throughputPass: throughputRatio >= 0.9,
    peakDiskPass: b.highestPeakDiskBytes <= ceilingBytes,
    failures: runs.reduce((sum, run) => sum + run.load.failed, 0)
  }
}

const render = (runs: ReadonlyArray<Run>, summary: ReturnType<typeof summarize>, loadBefore: readonly [number, number, number]) => {
  const lines = [
    `# Eviction: sustained 1 MiB PUTs, without a budget (A) and with one (B)\n`,
    `Node ${process.version}, ${config.connections} connections, ${config.totalMiB} × 1 MiB uploads (each a new hash) per run, ` +
      `${config.rounds} interleaved round(s) of A and B, each run on a fresh server (fs storage, SQLite index, ${config.teams} teams); ` +
      `${variantLabel.B}; disk walked every ${config.sampleMs} ms and for ${settleMs / 1000} s after the load; ` +
      `load ${formatLoad(loadBefore)} → ${formatLoad(loadAverage())}\n`,
    renderTable([
      { header: "round", align: "right" },
      { header: "run", align: "left" },
      { header: "s", align: "right" },
      { header: "accepted MiB/s", align: "right" },
      { header: "req/s", align: "right" },
      { header: "202", align: "right" },
      { header: "507", align: "right" },
      { header: "failed", align: "right" },
      { header: "CPU ms/MiB", align: "right" },
      { header: "peak disk MiB", align: "right" },
      { header: "disk at end MiB", align: "right" },
      { header: `disk ${settleMs / 1000} s later MiB`, align: "right" },
      { header: "evicted (n / MiB)", align: "left" }
    ], runs.map(runRow)),
    "",
    renderTable([
      { header: "median", align: "left" },
      { header: "accepted MiB/s", align: "right" },
      { header: "req/s", align: "right" },
      { header: "507", align: "right" },
      { header: "CPU ms/MiB", align: "right" },
      { header: "peak disk MiB (highest)", align: "right" },
      { header: "final disk MiB", align: "right" }
    ], [
      ...(["A", "B"] as const).map((variant) => [
        variantLabel[variant],
        formatRate(summary[variant].acceptedMiBPerSecond),
        formatRate(summary[variant].requestsPerSecond),
        formatNumber(summary[variant].insufficient),
        formatNumber(summary[variant].cpuMsPerAcceptedMiB, 1),
        `${mib(summary[variant].peakDiskBytes)} (${mib(summary[variant].highestPeakDiskBytes)})`,
        mib(summary[variant].finalDiskBytes)
      ]),
      [
        "B ÷ A",
        formatNumber(summary.throughputRatio, 2),
        formatNumber(summary.requestRatio, 2),
        "",
        formatNumber(summary.cpuRatio, 2),
        "",
        ""
      ]
    ]),
    "",
    renderTable([
      { header: "target", align: "left" },
      { header: "measured", align: "left" },
      { header: "result", align: "left" }
    ], [
      [
        targets.throughputRatio,
        `${formatNumber(summary.throughputRatio, 2)} (per round ${summary.roundRatios.map((ratio) => formatNumber(ratio, 2)).join(" ")})`,
        verdict(summary.throughputPass)
      ],
      [
        `${targets.peakDisk} = ${mib(ceilingBytes)} MiB`,
        `highest peak ${mib(summary.B.highestPeakDiskBytes)} MiB (${formatNumber(summary.B.highestPeakDiskBytes / budgetBytes, 2)} × budget)`,
        verdict(summary.peakDiskPass)
      ]
    ])
  ]
  if (summary.failures > 0) lines.push(`\n${summary.failures} upload(s) failed otherwise than 507; first: ${runs.find((run) => run.load.firstFailure)?.load.firstFailure}`)
  return lines.join("\n")
}

const main = async (): Promise<void> => {
  installCleanupHandlers()
  mkdirSync(config.tmpRoot, { recursive: true })
  const { bavail, bsize } = statfsSync(config.tmpRoot)
  const neededBytes = 1.5 * config.totalMiB * MiB
  if (bavail * bsize < neededBytes) {
    throw new Error(`${config.tmpRoot} has ${mib(bavail * bsize)} MiB free; a run A stores ${config.totalMiB} MiB: set BENCH_TMPDIR or a smaller BENCH_EVICTION_TOTAL_MIB`)
  }
  const startedAt = new Date()
  const work = mkdtempSync(join(config.tmpRoot, "hoard-bench-eviction-"))
  const untrack = trackDirectory(work)
  try {
    const machine = machineFacts(work)
    const loadBefore = loadAverage()
    log(`node ${machine.node}, ${machine.cores} cores, load ${formatLoad(loadBefore)}, storage ${work} (${machine.storageFileSystem})`)
    log(`${config.rounds} round(s) of A (no budget) and B (budget ${mib(budgetBytes)} MiB, evictor every ${config.intervalMs} ms), ${config.totalMiB} MiB each`)
    const runs: Array<Run> = []
    for (let round = 1; round <= config.rounds; round++) {
      // Alternate which goes first, so drift on a shared machine hits both alike.
      const order: ReadonlyArray<Variant> = round % 2 === 1 ? ["A", "B"] : ["B", "A"]
      for (const variant of order) {
        const run = await runOne(work, round, variant)
        runs.push(run)
        log(`round ${round} ${variant}: ${formatRate(run.acceptedMiBPerSecond)} MiB/s accepted, ${run.load.insufficient} × 507, ` +
          `${run.load.failed} failed, peak disk ${mib(run.peakDiskBytes)} MiB, final ${mib(run.finalDiskBytes)} MiB, ` +
          `evicted ${run.cache.evicted.count}${run.load.timedOut ? " (stopped at BENCH_EVICTION_MAX_SECONDS)" : ""}`)
      }
    }
    const summary = summarize(runs)
    process.stdout.write(`\n${render(runs, summary, loadBefore)}\n`)
    const document = {
      benchmark: "Hoard eviction: sustained 1 MiB PUTs without and with a size budget",
      config: { ...config, budgetBytes, artifactBytes, settleMs },
      machine,
      loadAtEnd: loadAverage(),
      elapsedSeconds: (performance.now() - started) / 1000,
      runs,
      summary,
      targets,
      allPass: summary.throughputPass && summary.peakDiskPass,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString()
    }
    mkdirSync(dirname(config.resultsFile), { recursive: true })
    writeFileSync(config.resultsFile, `${JSON.stringify(document, null, 2)}\n`)
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
