/**
 * `pnpm bench:observability`: what metrics, tracing and the access log cost
 * on the request path. Four `hoard serve` processes run side by side on the
 * same machine and file system:
 *
 * - `off`: no /metrics, no tracer, no access log (warnings only);
 * - `metrics`: /metrics behind a token, nothing else;
 * - `metrics+traces`: /metrics behind a token and every request exported as
 *   a span over OTLP/HTTP to a receiver on loopback, access log off;
 * - `all`: the same plus the access log, a JSON line per request on stdout.
 *
 * Each round runs every row against every variant, in a rotated order, and
 * the table gives the medians of the variants' throughput divided by `off`'s
 * throughput in the same round. See bench/README.md.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { installCleanupHandlers, trackDirectory } from "../cleanup.ts"
import { startChildServer } from "../childServer.ts"
import type { ChildServer } from "../childServer.ts"
import { positiveInt } from "../config.ts"
import { prepopulate } from "../prepopulate.ts"
import { benchToken } from "../protocol.ts"
import { runRow, throughputRows } from "../rows.ts"
import { hoardBin } from "../servers.ts"
import { median } from "../stats.ts"
import { formatNumber, formatRate, renderTable } from "../table.ts"
import { startOtlpSink } from "./otlpSink.ts"

const rounds = positiveInt("BENCH_ROUNDS", 3)
const durationSeconds = positiveInt("BENCH_DURATION_SECONDS", 5)
const rowIds = (process.env["BENCH_OBSERVABILITY_ROWS"] ?? "get-1KiB-c16,put-1KiB-c16,head-miss-c64,get-1MiB-c16").split(",")
const metricsToken = "hoard-bench-metrics-token"

const repoRoot = resolve(import.meta.dirname, "..", "..", "..")
const started = performance.now()
const log = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
}

interface Variant {
  readonly name: string
  readonly args: (otlpUrl: string) => ReadonlyArray<string>
}

const quiet = ["--log-level", "warn", "--access-log", "off"]
const metrics = ["--metrics-token", metricsToken]
const traced = (otlpUrl: string) => [...metrics, "--otlp-endpoint", otlpUrl]
const variants: ReadonlyArray<Variant> = [
  { name: "off", args: () => quiet },
  { name: "metrics", args: () => [...quiet, ...metrics] },
  { name: "metrics+traces", args: (otlpUrl) => [...quiet, ...traced(otlpUrl)] },
  { name: "all", args: (otlpUrl) => ["--log-level", "info", "--log-format", "json", "--access-log", "on", ...traced(otlpUrl)] }
]

const startVariant = (variant: Variant, workDirectory: string, otlpUrl: string): Promise<ChildServer> =>
  startChildServer({
    name: variant.name,
    cwd: repoRoot,
    args: [
      hoardBin(),
      "serve",
      "--port", "0",
      "--storage", join(workDirectory, variant.name),
      "--data-dir", join(workDirectory, `${variant.name}-data`),
      "--token", benchToken,
      ...variant.args(otlpUrl)
    ],
    urlPattern: /Hoard is listening on (http:\/\/\S+)/u
  })

/** Scrapes /metrics once: a variant that claims metrics must really serve them. */
const checkMetrics = async (server: ChildServer): Promise<void> => {
  const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
  const text = await response.text()
  if (response.status !== 200 || !text.includes("hoard_http_requests_total")) {
    throw new Error(`${server.name}: /metrics answered ${response.status} without hoard_http_requests_total`)
  }
}

const main = async () => {
  installCleanupHandlers()
  const rows = throughputRows.filter((row) => rowIds.includes(row.id))
  const workDirectory = mkdtempSync(join(tmpdir(), "hoard-bench-observability-"))
  trackDirectory(workDirectory)
  const sink = await startOtlpSink()
  const servers: Array<ChildServer> = []
  try {
    for (const variant of variants) servers.push(await startVariant(variant, workDirectory, sink.url))
    const downloadSizes = [...new Set(rows.filter((row) => row.kind === "get").map((row) => row.size))]
    for (const server of servers) await prepopulate(server, downloadSizes)
    // rate[row][variant][round], requests per second
    const rates = rows.map(() => servers.map(() => [] as Array<number>))
    for (let round = 0; round < rounds; round++) {
      for (const [rowIndex, row] of rows.entries()) {
        for (let turn = 0; turn < servers.length; turn++) {
          const variantIndex = (turn + round + rowIndex) % servers.length
          const server = servers[variantIndex]!
          const result = await runRow(row, server, durationSeconds)
          if (result.errors > 0) throw new Error(`${server.name} ${row.id}: ${result.firstError}`)
          rates[rowIndex]![variantIndex]!.push(result.requests / result.seconds)
          log(`round ${round + 1}/${rounds} ${row.id} ${server.name}: ${formatRate(result.requests / result.seconds)} req/s`)
        }
      }
    }
    for (const server of servers.slice(1)) await checkMetrics(server)
    if (sink.exports() === 0) throw new Error("the OTLP receiver got no export: tracing was not on")
    const ratio = (rowIndex: number, variantIndex: number) =>
      median(rates[rowIndex]![variantIndex]!.map((rate, round) => rate / rates[rowIndex]![0]![round]!))
    console.log(`observability: medians of ${rounds} interleaved rounds of ${durationSeconds} s; ratio = variant ÷ off, same round\n`)
    console.log(renderTable([
      { header: "row", align: "left" },
      ...variants.map((variant) => ({ header: `${variant.name} (req/s)`, align: "right" as const })),
      ...variants.slice(1).map((variant) => ({ header: `${variant.name} ÷ off`, align: "right" as const }))
    ], rows.map((row, rowIndex) => [
      row.label,
      ...variants.map((_, variantIndex) => formatRate(median(rates[rowIndex]![variantIndex]!))),
      ...variants.slice(1).map((_, index) => formatNumber(ratio(rowIndex, index + 1), 2))
    ])))
    console.log(`\nOTLP exports received: ${sink.exports()}`)
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
    await sink.close()
    rmSync(workDirectory, { recursive: true, force: true })
  }
}

await main()
