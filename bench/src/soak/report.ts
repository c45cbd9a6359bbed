import { cpus } from "node:os"
import { MiB, sizeLabel } from "../units.ts"
import type { SoakResult, Trend } from "./soak.ts"

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`
const slope = (value: number): string => `${value >= 0 ? "+" : ""}${value.toFixed(2)} MiB/min`
const count = (value: number): string => value.toLocaleString("en-US")

const trendLine = (label: string, trend: Trend): string =>
  `${label.padEnd(13)} ${mib(trend.startBytes).padStart(10)} → ${mib(trend.endBytes).padStart(10)}   ` +
  `slope ${slope(trend.robustSlopeMiBPerMin).padStart(15)} (Theil–Sen), ${slope(trend.slopeMiBPerMin).padStart(15)} (least squares)`

/** The human report of one soak; `failures` from `soakFailures`. */
export const renderSoakReport = (result: SoakResult, failures: ReadonlyArray<string>): string => {
  const { load, options } = result
  const kinds = Object.entries(load.byKind).map(([kind, n]) => `${kind} ${count(n)}`).join(", ")
  const lines = [
    `Soak of hoard serve (fs storage, SQLite index): ${options.durationS} s at ${options.ratePerSecond} op/s ` +
      `(achieved ${result.achievedRate.toFixed(1)}/s), at most ${options.concurrency} in flight, ` +
      `PUTs ${sizeLabel(options.minPutBytes)}–${sizeLabel(options.maxPutBytes)}; node ${process.version}, ${cpus().length} cores` +
      (options.nodeArgs !== undefined && options.nodeArgs.length > 0 ? `, node flags ${options.nodeArgs.join(" ")}` : "") +
      (process.env["MALLOC_ARENA_MAX"] !== undefined ? `, MALLOC_ARENA_MAX=${process.env["MALLOC_ARENA_MAX"]}` : ""),
    `requests      ${count(load.requests)} (${kinds}); ${count(load.errors)} errors; ${count(load.skipped)} skipped (all ${options.concurrency} busy)`,
    `traffic       ${(load.bytesUploaded / 1e6).toFixed(0)} MB up, ${(load.bytesDownloaded / 1e6).toFixed(0)} MB down`,
    `RSS           ${mib(result.rss.beforeLoadBytes)} before the load, peak ${mib(result.rss.peakBytes)}, ` +
      `${mib(result.rss.afterIdleBytes)} after ${options.idleS} s idle`,
    `After the ${options.warmupS} s warm-up, until the load stopped (start → end, trend):`,
    trendLine("RSS", result.rss),
    trendLine("RssAnon", result.rssAnon)
  ]
  if (result.breakdown !== undefined) {
    const b = result.breakdown
    lines.push(
      trendLine("heapUsed", b.heapUsed),
      trendLine("heapTotal", b.heapTotal),
      trendLine("external", b.external),
      trendLine("arrayBuffers", b.arrayBuffers),
      trendLine("V8 malloced", b.mallocedMemory),
      ...Object.entries(b.spaces)
        .filter(([, trend]) => Math.abs(trend.endBytes - trend.startBytes) >= MiB || Math.abs(trend.robustSlopeMiBPerMin) >= 0.1)
        .map(([name, trend]) => trendLine(`  ${name.replace(/_space$/u, "")}`, trend))
    )
    if (b.afterIdle !== undefined) {
      lines.push(
        `after idle    heapUsed ${mib(b.afterIdle.heapUsed)}, heapTotal ${mib(b.afterIdle.heapTotal)}, ` +
          `external ${mib(b.afterIdle.external)}, arrayBuffers ${mib(b.afterIdle.arrayBuffers)}`
      )
    }
  }
  lines.push(
    `fds           ${result.fds.beforeLoad} before the load, ${result.fds.min}–${result.fds.max} during it, ${result.fds.afterIdle} after idle`
  )
  if (result.snapshots.length > 0) lines.push(`heap snapshots ${result.snapshots.join(" ")}`)
  lines.push(failures.length === 0 ? "PASS" : `FAIL\n${failures.map((f) => `  - ${f}`).join("\n")}`)
  return lines.join("\n")
}
