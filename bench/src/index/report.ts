import { formatLoad } from "../machine.ts"
import type { MachineFacts } from "../machine.ts"
import { renderTable, formatNumber, verdict } from "../table.ts"
import type { Column } from "../table.ts"
import { toMB } from "../units.ts"
import { backendLabel } from "./backends.ts"
import type { RssBreakdown } from "./memory.ts"
import type { BackendKind } from "./backends.ts"
import type { IndexBenchConfig } from "./config.ts"
import type { PopulateResult } from "./populate.ts"
import type { PutComparison } from "./putQuota.ts"
import type { WarmReads } from "./reads.ts"

/** The targets of the issue. */
export const indexTargets = {
  readMedianMs: 20,
  peakRssMB: 250,
  firstReadRatio: 2,
  putQuotaRatio: 0.95
} as const

export interface RestartRound {
  readonly restart: number
  /** From spawning the process to the "listening" banner. */
  readonly startSeconds: number
  /** Seconds waited for the server to go idle before the first reads (0 unless `BENCH_INDEX_FIRST_READS_AFTER_IDLE`). */
  readonly idleSeconds: number
  readonly rssAtStart: RssBreakdown | undefined
  /** The first request of each kind, ms, in the order they were sent. */
  readonly firstMs: Record<string, number>
  readonly order: ReadonlyArray<string>
}

export interface FirstRead {
  readonly id: string
  /** Median over the restarts of the first request of this kind. */
  readonly medianFirstMs: number
  /** The slowest of them (typically the restart where this kind was the very first request). */
  readonly worstFirstMs: number
  readonly warmMedianMs: number
  readonly ratio: number
  readonly worstRatio: number
}

export interface BackendResult {
  readonly kind: BackendKind
  readonly description: string
  readonly populate: PopulateResult
  /** Hoard's RSS right after populating (the same process), before it is restarted for the reads. */
  readonly populatedRss: RssBreakdown | undefined
  /** The server restarted for the reads: right after its banner, and once idle (its start-up walk of storage done). */
  readonly restartedRss: { readonly atStart: RssBreakdown | undefined; readonly afterIdle: RssBreakdown | undefined }
  readonly warm: WarmReads
  readonly restarts: ReadonlyArray<RestartRound>
  readonly firstReads: ReadonlyArray<FirstRead>
  readonly put: PutComparison
  readonly seconds: number
}

export interface BackendFailure {
  readonly kind: BackendKind
  readonly error: string
}

export interface IndexReport {
  readonly config: IndexBenchConfig
  readonly machine: MachineFacts
  readonly loadAtEnd: readonly [number, number, number]
  readonly elapsedSeconds: number
  readonly results: ReadonlyArray<BackendResult>
  readonly failures: ReadonlyArray<BackendFailure>
}

/** One figure of one backend: the cell text and whether it meets its target (`undefined`: information only). */
interface Cell {
  readonly text: string
  readonly pass: boolean | undefined
}

interface Row {
  readonly label: string
  readonly target: string
  readonly cell: (result: BackendResult) => Cell
}

const rssMB = (rss: RssBreakdown | undefined): string => formatNumber(toMB(rss?.rssBytes ?? Number.NaN))
const anonMB = (rss: RssBreakdown | undefined): string => formatNumber(toMB(rss?.anonBytes ?? Number.NaN))

const ms = (value: number): string => `${formatNumber(value, value < 10 ? 2 : 1)} ms`

export const reportRows = (results: ReadonlyArray<BackendResult>): Array<Row> => {
  const kinds = results[0]?.warm.kinds ?? []
  return [
    ...kinds.map((kind): Row => ({
      label: `${kind.label}: median`,
      target: `≤ ${indexTargets.readMedianMs} ms`,
      cell: (result) => {
        const timing = result.warm.kinds.find((entry) => entry.id === kind.id)
        if (timing === undefined) return { text: "-", pass: false }
        return { text: `${ms(timing.medianMs)} (p90 ${ms(timing.p90Ms)})`, pass: timing.medianMs <= indexTargets.readMedianMs }
      }
    })),
    {
      label: "Hoard RSS during the reads: peak (restarted after populating)",
      target: `≤ ${indexTargets.peakRssMB} MB`,
      cell: (result) => ({
        text: `${formatNumber(toMB(result.warm.peakRssBytes))} MB (idle ${formatNumber(toMB(result.warm.idleRssBytes))})`,
        pass: toMB(result.warm.peakRssBytes) <= indexTargets.peakRssMB
      })
    },
    ...kinds.map((kind): Row => ({
      label: `first ${kind.label} after a restart ÷ warm median`,
      target: `≤ ${indexTargets.firstReadRatio.toFixed(1)}×`,
      cell: (result) => {
        const first = result.firstReads.find((entry) => entry.id === kind.id)
        if (first === undefined) return { text: "-", pass: false }
        return {
          text: `${formatNumber(first.ratio, 2)}× (${ms(first.medianFirstMs)}); worst ${formatNumber(first.worstRatio, 1)}×`,
          pass: first.ratio <= indexTargets.firstReadRatio
        }
      }
    })),
    {
      label: "PUT 1 KiB req/s, team with a quota ÷ without",
      target: `≥ ${indexTargets.putQuotaRatio.toFixed(2)}`,
      cell: (result) => ({
        text: `${formatNumber(result.put.medianRatio, 3)} (${formatNumber(result.put.medianRequestsPerSecond.quota)} vs ${
          formatNumber(result.put.medianRequestsPerSecond.bench)
        } req/s${result.put.errors > 0 ? `, ${result.put.errors} errors` : ""})`,
        pass: result.put.errors === 0 && result.put.medianRatio >= indexTargets.putQuotaRatio
      })
    },
    {
      label: "PUT 1 KiB server CPU per request, quota ÷ without",
      target: "",
      cell: (result) => ({ text: `${formatNumber(result.put.cpuPerRequestRatio, 3)}`, pass: undefined })
    },
    {
      label: "Hoard RSS, restarted for the reads: at start → idle (anon)",
      target: "",
      cell: (result) => ({
        text: `${rssMB(result.restartedRss.atStart)} → ${rssMB(result.restartedRss.afterIdle)} MB (${anonMB(result.restartedRss.afterIdle)})`,
        pass: undefined
      })
    },
    {
      label: "Hoard RSS right after populating, same process (anon)",
      target: "",
      cell: (result) => ({ text: `${rssMB(result.populatedRss)} MB (${anonMB(result.populatedRss)})`, pass: undefined })
    },
    {
      label: "populated: artifacts / events (uploads' own + usage)",
      target: "",
      cell: (result) => {
        const artifacts = result.populate.artifacts.bench + result.populate.artifacts.quota
        const usage = result.populate.usageEvents.bench + result.populate.usageEvents.quota
        return { text: `${formatNumber(artifacts)} / ~${formatNumber(2 * artifacts + usage)}`, pass: undefined }
      }
    },
    {
      label: "populate: PUT/s, usage events/s, index catch-up",
      target: "",
      cell: (result) => ({
        text: `${formatNumber(result.populate.putsPerSecond)}/s, ${formatNumber(result.populate.eventsPerSecond)}/s, ${
          result.populate.caughtUp ? `${formatNumber(result.populate.catchUpSeconds, 1)} s` : "NOT caught up"
        }`,
        pass: undefined
      })
    }
  ]
}

/** `renderTable`'s aligned text as a markdown table (right-aligned columns get `---:`). */
const markdownTable = (columns: ReadonlyArray<Column>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const [header = "", rule = "", ...body] = renderTable(columns, rows).split("\n")
  const widths = rule.split("-+-").map((segment) => segment.length)
  const markdownRule = widths.map((width, index) => (columns[index]?.align === "right" ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2)))
  // renderTable trims each line's end: pad the last cell back to its column's width.
  const padded = (line: string) => `| ${line.padEnd(rule.length)} |`
  return [padded(header), `|${markdownRule.join("|")}|`, ...body.map(padded)].join("\n")
}

export const renderIndexReport = (report: IndexReport, backends: ReadonlyArray<BackendKind>): string => {
  const byKind = (kind: BackendKind) => report.results.find((result) => result.kind === kind)
  const columns: Array<Column> = [
    { header: "Read / figure", align: "left" },
    ...backends.map((kind): Column => ({ header: backendLabel[kind], align: "right" })),
    { header: "Target", align: "left" },
    { header: "Result", align: "left" }
  ]
  const rows = reportRows(report.results).map((row) => {
    const cells = backends.map((kind) => {
      const result = byKind(kind)
      return result === undefined ? { text: "failed", pass: false } : row.cell(result)
    })
    const judged = cells.some((cell) => cell.pass !== undefined)
    const missed = backends.filter((_, index) => cells[index]!.pass === false).map((kind) => backendLabel[kind])
    const result = !judged ? "info" : missed.length === 0 ? verdict(true) : `${verdict(false)} (${missed.join(", ")})`
    return [row.label, ...cells.map((cell) => cell.text), row.target, result]
  })
  const { machine, config } = report
  const header = [
    `## Hoard cache index: reads at ${formatNumber(config.artifacts)} artifacts and ~${formatNumber(config.events)} events${config.quick ? " (quick mode)" : ""}`,
    "",
    `node ${machine.node}, ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB; load ${formatLoad(machine.loadAverage)} at start, ${
      formatLoad(report.loadAtEnd)
    } at the end; storage: fs on ${machine.storageFileSystem}; ${formatNumber(report.elapsedSeconds / 60, 1)} min in all.`,
    ...report.results.map((result) => `- ${backendLabel[result.kind]}: ${result.description}; ${formatNumber(result.seconds / 60, 1)} min.`),
    `- Reads: ${config.reads} sequential requests per kind on one keep-alive connection, the kinds interleaved, after ${config.warmupReads} warm-up rounds. ` +
      `First reads${config.firstReadsAfterIdle ? " (DIAGNOSTIC: sent once the restarted server was idle)" : ""}: median over ${config.restarts} restart(s), the kinds in a rotated order (each kind is the very first request once in ${config.restarts}: "worst"). PUT: ${config.putRounds} interleaved rounds of ${config.putSeconds} s, c=${config.putConnections}.`,
    ""
  ]
  const failures = report.failures.map((failure) => `- ${backendLabel[failure.kind]} FAILED: ${failure.error.split("\n")[0]}`)
  return [...header, markdownTable(columns, rows), ...(failures.length > 0 ? ["", ...failures] : [])].join("\n")
}

/** Whether every judged figure of every backend met its target (and no backend failed). */
export const allPass = (report: IndexReport): boolean =>
  report.failures.length === 0 &&
  report.results.every((result) => reportRows(report.results).every((row) => row.cell(result).pass !== false))
