import type { BenchConfig } from "./config.ts"
import { formatLoad } from "./machine.ts"
import type { MachineFacts } from "./machine.ts"
import type { ServerKind } from "./servers.ts"
import { serverKinds } from "./servers.ts"
import { peers, targets } from "./summarize.ts"
import type { LatencySummary, MemorySummary, Ratio, ThroughputSummary } from "./summarize.ts"
import { formatNumber as number, formatRate as rate, renderTable, verdict } from "./table.ts"
import { MiB } from "./units.ts"

export interface ReportInput {
  readonly config: BenchConfig
  readonly machine: MachineFacts
  /** Which `hoard` ran: the installed package, this checkout's source or `BENCH_HOARD_BIN`. */
  readonly hoard: string
  /** Whether the bench and the servers were pinned to CPUs, and where. */
  readonly pinning: string
  readonly trrcVersion: string
  readonly loadAtEnd: readonly [number, number, number]
  readonly elapsedSeconds: number
  readonly throughput: ReadonlyArray<ThroughputSummary>
  readonly latency: ReadonlyArray<LatencySummary>
  readonly memory: ReadonlyArray<MemorySummary>
  /** Highest RSS of each server while the throughput rows ran (information only). */
  readonly throughputPeakRssBytes: Record<ServerKind, number> | undefined
}

const mebibytes = (bytes: number): string => number(bytes / MiB)

/** "1.52 (1.31-1.70)": the median of the per-round ratios, and their range. */
const ratioCell = (ratio: Ratio): string => {
  const finite = ratio.rounds.filter(Number.isFinite)
  const range = finite.length > 1 ? ` (${number(Math.min(...finite), 2)}-${number(Math.max(...finite), 2)})` : ""
  return number(ratio.median, 2) + range
}

const resultCell = (row: ThroughputSummary): string => {
  const failing = serverKinds.filter((kind) => row.servers[kind].errors > 0)
  const errors = failing.map((kind) => `${kind}: ${row.servers[kind].errors} errors`).join(", ")
  const misses = row.misses.filter((miss) => miss !== "errors")
  const why = misses.length > 0 ? [`below ${misses.join(", ")}`] : []
  const notes = [...why, ...(errors === "" ? [] : [errors])]
  return verdict(row.pass) + (notes.length > 0 ? ` (${notes.join("; ")})` : "")
}

const throughputTable = (rows: ReadonlyArray<ThroughputSummary>): string =>
  renderTable(
    [
      { header: "Row", align: "left" },
      { header: "Hoard req/s", align: "right" },
      { header: "trrc req/s", align: "right" },
      { header: "raw req/s", align: "right" },
      { header: "Hoard MB/s", align: "right" },
      { header: "H÷trrc (range)", align: "left" },
      { header: "H÷raw (range)", align: "left" },
      { header: "CPU/req H÷T", align: "right" },
      { header: "CPU/req H÷R", align: "right" },
      { header: "others % med/max", align: "right" },
      { header: "Target H÷T, H÷R", align: "left" },
      { header: "Result", align: "left" }
    ],
    rows.map((row) => [
      row.label,
      rate(row.servers.hoard.requestsPerSecond),
      rate(row.servers.trrc.requestsPerSecond),
      rate(row.servers.raw.requestsPerSecond),
      row.id.includes("miss") ? "-" : rate(row.servers.hoard.megabytesPerSecond),
      ratioCell(row.ratios.trrc),
      ratioCell(row.ratios.raw),
      number(row.cpuRatios.trrc, 2),
      number(row.cpuRatios.raw, 2),
      `${number(row.othersCpuPercent.median)}/${number(row.othersCpuPercent.max)}`,
      peers.map((peer) => `≥ ${number(row.minRatios[peer], 1)}`).join(", "),
      resultCell(row)
    ])
  )

/** How a server is named in column headers. */
const serverName = (kind: ServerKind): string => (kind === "hoard" ? "Hoard" : kind)

/** Each server's CPU per upload split into user space and kernel, in µs (medians over rounds). */
const uploadCpuTable = (rows: ReadonlyArray<ThroughputSummary>): string =>
  renderTable(
    [
      { header: "Row", align: "left" },
      ...serverKinds.map((kind) => ({ header: `${serverName(kind)} user + kernel µs`, align: "right" as const }))
    ],
    rows.map((row) => [
      row.label,
      ...serverKinds.map((kind) => {
        const { cpuMsPerRequest, systemCpuMsPerRequest } = row.servers[kind]
        return `${number((cpuMsPerRequest - systemCpuMsPerRequest) * 1000)} + ${number(systemCpuMsPerRequest * 1000)}`
      })
    ])
  )

const latencyTable = (rows: ReadonlyArray<LatencySummary>): string =>
  renderTable(
    [
      { header: "Row", align: "left" },
      ...serverKinds.map((kind) => ({ header: `${serverName(kind)} p99 ms`, align: "right" as const })),
      { header: "Target", align: "left" },
      { header: "Result", align: "left" }
    ],
    rows.map((row) => [
      row.label,
      ...serverKinds.map((kind) => number(row.p99Ms[kind], 1)),
      `Hoard ≤ ${targets.maxP99Ms} ms`,
      verdict(row.pass)
    ])
  )

const memoryTable = (rows: ReadonlyArray<MemorySummary>): string =>
  renderTable(
    [
      { header: "Row", align: "left" },
      ...serverKinds.flatMap((kind) => {
        const name = serverName(kind)
        return [
          { header: `${name} idle`, align: "right" as const },
          { header: `${name} peak`, align: "right" as const }
        ]
      }),
      { header: "Target", align: "left" },
      { header: "Result", align: "left" }
    ],
    rows.map((row) => [
      row.label,
      ...serverKinds.flatMap((kind) => [mebibytes(row.servers[kind].idleBytes), mebibytes(row.servers[kind].peakBytes)]),
      `Hoard peak ≤ ${targets.maxPeakRssBytes / MiB} MiB`,
      verdict(row.pass)
    ])
  )

/**
 * A row's "others %" (median) from which its ratios are flagged: on a quiet
 * machine it stays at 0–4; a stray process spinning on a server's core (a
 * leftover server, a build) showed 50–60 and halved Hoard's rows.
 */
const busyOthersPercent = 10

export const renderReport = (input: ReportInput): string => {
  const { config, machine } = input
  const all = [...input.throughput, ...input.latency, ...input.memory].map((row) => row.pass)
  const misses = all.filter((pass) => !pass).length
  const sections = [
    `Hoard vs turborepo-remote-cache ${input.trrcVersion} (trrc) vs raw node:http (same machine, same file system, loopback)`,
    `  node ${machine.node} | ${machine.cores} cores (${machine.cpuModel}) | ${machine.memoryGiB} GiB | ${machine.platform}`,
    `  CPU pinning: ${input.pinning}`,
    `  load average (1/5/15 min): ${formatLoad(machine.loadAverage)} at start, ${formatLoad(input.loadAtEnd)} at end`,
    `  storage: ${config.tmpRoot} (${machine.storageFileSystem})${config.rawFsync ? " | raw server fsyncs uploads (BENCH_RAW_FSYNC=1)" : ""}`,
    `  hoard: ${input.hoard}`,
    ...(config.hoardArgs.length > 0 ? [`  hoard serve ... ${config.hoardArgs.join(" ")} (BENCH_HOARD_ARGS)`] : []),
    `  ${config.rounds} round(s) x ${config.durationSeconds} s per row and server, ${config.warmupSeconds} s warm-up; ` +
      `${config.memoryRounds} memory round(s); ${input.elapsedSeconds.toFixed(0)} s in all${config.quick ? " (BENCH_QUICK)" : ""}`
  ]
  if (input.throughput.length > 0) {
    sections.push(
      "",
      "Throughput: medians over rounds. H÷trrc and H÷raw: median of the per-round ratios (range over rounds). MB = 10^6 bytes.",
      "others %: CPU used by everything but the three servers and the bench during the row, in % of one core (median/max).",
      throughputTable(input.throughput)
    )
    const busy = input.throughput.filter((row) => row.othersCpuPercent.median >= busyOthersPercent)
    if (busy.length > 0) {
      sections.push(
        "",
        `WARNING: something else took ${busyOthersPercent}% of a core or more (others %, median) during ${busy.length} row(s): ` +
          `${busy.map((row) => row.label).join(", ")}. Read their CPU/req columns, not their ratios, or find it (top, ps) and run again.`
      )
    }
    const uploads = input.throughput.filter((row) => row.id.startsWith("put-"))
    if (uploads.length > 0) {
      sections.push(
        "",
        "Server CPU per upload, user space + kernel (µs, medians over rounds). A kernel part far above the other servers' points at",
        "the file system's state rather than the server (bench/README.md, \"Small uploads after a mass delete\"):",
        uploadCpuTable(uploads)
      )
    }
  }
  if (input.latency.length > 0) {
    sections.push("", "Latency: client-side p99 (autocannon), median over rounds", latencyTable(input.latency))
  }
  if (input.memory.length > 0) {
    sections.push(
      "",
      "Server RSS in MiB around an upload burst (fresh server per burst; idle = median before the burst, peak = highest of the rounds)",
      memoryTable(input.memory)
    )
  }
  const peaks = input.throughputPeakRssBytes
  if (peaks !== undefined) {
    const during = (kind: ServerKind) => {
      const top = [...input.throughput].sort((a, b) => b.servers[kind].peakRssBytes - a.servers[kind].peakRssBytes)[0]
      return `${kind} ${mebibytes(peaks[kind])} MiB${top === undefined ? "" : ` (${top.label})`}`
    }
    sections.push("", `Highest RSS while the throughput rows ran (information, not a target): ${serverKinds.map(during).join(", ")}`)
  }
  sections.push("", misses === 0 ? `All ${all.length} rows meet their targets.` : `${misses} of ${all.length} rows miss their targets.`)
  return sections.join("\n")
}
