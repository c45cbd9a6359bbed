import type { BenchConfig } from "./config.ts"
import { formatLoad } from "./machine.ts"
import type { MachineFacts } from "./machine.ts"
import type { MemorySummary, ThroughputSummary } from "./summarize.ts"
import { formatNumber as number, formatRate as rate, renderTable, verdict } from "./table.ts"

export interface ReportInput {
  readonly config: BenchConfig
  readonly machine: MachineFacts
  readonly loadAtEnd: readonly [number, number, number]
  readonly elapsedSeconds: number
  readonly throughput: ReadonlyArray<ThroughputSummary>
  readonly memory: ReadonlyArray<MemorySummary>
  /** Highest RSS of each server while the throughput rows ran (information only). */
  readonly throughputPeakRssBytes: { readonly hoard: number; readonly raw: number } | undefined
}

const megabytes = (bytes: number): string => number(bytes / 1e6)

const throughputTable = (rows: ReadonlyArray<ThroughputSummary>): string =>
  renderTable(
    [
      { header: "Row", align: "left" },
      { header: "Hoard req/s", align: "right" },
      { header: "Hoard MB/s", align: "right" },
      { header: "raw req/s", align: "right" },
      { header: "raw MB/s", align: "right" },
      { header: "Ratio", align: "right" },
      { header: "per-round ratios", align: "left" },
      { header: "CPU/req H÷R", align: "right" },
      { header: "Target", align: "left" },
      { header: "Result", align: "left" }
    ],
    rows.map((row) => {
      const errors = row.hoard.errors + row.raw.errors
      return [
        row.label,
        rate(row.hoard.requestsPerSecond),
        row.id.startsWith("head") ? "-" : rate(row.hoard.megabytesPerSecond),
        rate(row.raw.requestsPerSecond),
        row.id.startsWith("head") ? "-" : rate(row.raw.megabytesPerSecond),
        number(row.ratio, 2),
        row.roundRatios.map((ratio) => number(ratio, 2)).join(" "),
        number(row.cpuRatio, 2),
        "≥ 0.80",
        verdict(row.pass) + (errors > 0 ? ` (${errors} errors)` : "")
      ]
    })
  )

const memoryTable = (rows: ReadonlyArray<MemorySummary>): string =>
  renderTable(
    [
      { header: "Row", align: "left" },
      { header: "Hoard idle MB", align: "right" },
      { header: "Hoard peak MB", align: "right" },
      { header: "raw idle MB", align: "right" },
      { header: "raw peak MB", align: "right" },
      { header: "Peak H÷R", align: "right" },
      { header: "Target", align: "left" },
      { header: "Result", align: "left" }
    ],
    rows.map((row) => [
      row.label,
      megabytes(row.hoard.idleBytes),
      megabytes(row.hoard.peakBytes),
      megabytes(row.raw.idleBytes),
      megabytes(row.raw.peakBytes),
      number(row.hoard.peakBytes / row.raw.peakBytes, 2),
      "Hoard < 256 MB",
      verdict(row.pass)
    ])
  )

export const renderReport = (input: ReportInput): string => {
  const { config, machine } = input
  const all = [...input.throughput.map((row) => row.pass), ...input.memory.map((row) => row.pass)]
  const misses = all.filter((pass) => !pass).length
  const sections = [
    "Hoard vs raw node:http (same machine, same file system, loopback)",
    `  node ${machine.node} | ${machine.cores} cores (${machine.cpuModel}) | ${machine.memoryGiB} GiB | ${machine.platform}`,
    `  load average (1/5/15 min): ${formatLoad(machine.loadAverage)} at start, ${formatLoad(input.loadAtEnd)} at end`,
    `  storage: ${config.tmpRoot} (${machine.storageFileSystem})${config.rawFsync ? " | raw server fsyncs uploads (BENCH_RAW_FSYNC=1)" : ""}`,
    `  ${config.rounds} round(s) x ${config.durationSeconds} s per row and server, ${config.warmupSeconds} s warm-up; ` +
      `${config.memoryRounds} memory round(s); ${input.elapsedSeconds.toFixed(0)} s in all${config.quick ? " (BENCH_QUICK)" : ""}`
  ]
  if (input.throughput.length > 0) {
    sections.push(
      "",
      "Throughput: medians over rounds; Ratio = Hoard / raw; MB = 10^6 bytes",
      throughputTable(input.throughput)
    )
  }
  if (input.memory.length > 0) {
    sections.push(
      "",
      "Peak server RSS during an upload burst (fresh server per burst; highest of the rounds; MB = 10^6 bytes)",
      memoryTable(input.memory)
    )
  }
  if (input.throughputPeakRssBytes !== undefined) {
    const during = (kind: "hoard" | "raw") => {
      const top = [...input.throughput].sort((a, b) => b[kind].peakRssBytes - a[kind].peakRssBytes)[0]
      return top === undefined ? "" : ` (highest during "${top.label}")`
    }
    sections.push(
      "",
      `Highest RSS while the throughput rows ran (information, not a target): ` +
        `Hoard ${megabytes(input.throughputPeakRssBytes.hoard)} MB${during("hoard")}, ` +
        `raw ${megabytes(input.throughputPeakRssBytes.raw)} MB${during("raw")}`
    )
  }
  sections.push("", misses === 0 ? `All ${all.length} rows meet their targets.` : `${misses} of ${all.length} rows miss their targets.`)
  return sections.join("\n")
}
