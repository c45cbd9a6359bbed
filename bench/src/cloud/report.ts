import { formatLoad } from "../machine.ts"
import type { MachineFacts } from "../machine.ts"
import { formatNumber as number, formatRate as rate, renderTable, verdict } from "../table.ts"
import type { BackendId } from "./backend.ts"
import type { CloudBenchConfig } from "./config.ts"
import type { CloudRow } from "./rows.ts"
import { minCloudRatio } from "./summarize.ts"
import type { CloudRowSummary } from "./summarize.ts"

/** What happened to one backend: measured, skipped (not installed) or failed. */
export type BackendOutcome =
  | { readonly id: BackendId; readonly label: string; readonly status: "measured"; readonly sdkDescription: string; readonly storageUrl: string; readonly rows: ReadonlyArray<CloudRowSummary>; readonly seconds: number }
  | { readonly id: BackendId; readonly label: string; readonly status: "skipped" | "failed"; readonly reason: string }

export interface CloudReportInput {
  readonly config: CloudBenchConfig
  readonly machine: MachineFacts
  readonly loadAtEnd: readonly [number, number, number]
  readonly elapsedSeconds: number
  readonly rows: ReadonlyArray<CloudRow>
  readonly backends: ReadonlyArray<BackendOutcome>
}


const table = (outcomes: ReadonlyArray<BackendOutcome>): string =>
  renderTable(
    [
      { header: "Backend", align: "left" },
      { header: "Row", align: "left" },
      { header: "Hoard MB/s", align: "right" },
      { header: "SDK MB/s", align: "right" },
      { header: "Ratio", align: "right" },
      { header: "per-round ratios", align: "left" },
      { header: "Hoard CPU ms/req", align: "right" },
      { header: "emulator CPU H÷S", align: "right" },
      { header: "all CPU H÷S", align: "right" },
      { header: "Target", align: "left" },
      { header: "Result", align: "left" }
    ],
    outcomes.flatMap((outcome) =>
      outcome.status !== "measured"
        ? [[outcome.id, `${outcome.status}: ${outcome.reason.split("\n")[0]}`, "", "", "", "", "", "", "", "", outcome.status === "failed" ? "MISS" : "-"]]
        : outcome.rows.map((row) => {
          const errors = row.hoard.errors + row.sdk.errors
          return [
            outcome.id,
            row.label,
            rate(row.hoard.megabytesPerSecond),
            rate(row.sdk.megabytesPerSecond),
            number(row.ratio, 2),
            row.roundRatios.map((ratio) => number(ratio, 2)).join(" "),
            number(row.hoard.cpuMsPerRequest.hoard, 1),
            number(row.emulatorCpuRatio, 2),
            number(row.totalCpuRatio, 2),
            `≥ ${minCloudRatio.toFixed(2)}`,
            verdict(row.pass) + (errors > 0 ? ` (${errors} errors)` : "")
          ]
        })
    )
  )

const cpuTable = (outcomes: ReadonlyArray<BackendOutcome>): string =>
  renderTable(
    [
      { header: "Backend", align: "left" },
      { header: "Row", align: "left" },
      { header: "SDK path: SDK", align: "right" },
      { header: "emulator", align: "right" },
      { header: "Hoard path: client", align: "right" },
      { header: "Hoard", align: "right" },
      { header: "emulator", align: "right" },
      { header: "Hoard - SDK", align: "right" },
      { header: "all H÷S", align: "right" },
      { header: "1 ÷ all H÷S", align: "right" },
      { header: "Ratio", align: "right" }
    ],
    outcomes.flatMap((outcome) =>
      outcome.status !== "measured"
        ? []
        : outcome.rows.map((row) => {
          const sdk = row.sdk.cpuMsPerRequest
          const hoard = row.hoard.cpuMsPerRequest
          return [
            outcome.id,
            row.label,
            number(sdk.bench, 1),
            number(sdk.emulator, 1),
            number(hoard.bench, 1),
            number(hoard.hoard, 1),
            number(hoard.emulator, 1),
            number(hoard.hoard - sdk.bench, 1),
            number(row.totalCpuRatio, 2),
            number(1 / row.totalCpuRatio, 2),
            number(row.ratio, 2)
          ]
        })
    )
  )

export const renderCloudReport = (input: CloudReportInput): string => {
  const { config, machine } = input
  const measured = input.backends.flatMap((outcome) => (outcome.status === "measured" ? outcome.rows : []))
  const misses = measured.filter((row) => !row.pass).length
  const failed = input.backends.filter((outcome) => outcome.status === "failed").length
  const counts = input.rows.map((row) => `${row.id} ${row.concurrency}x${row.requestsPerWorker}`).join(", ")
  const lines = [
    "Cloud adapters: Hoard (HTTP, real child process) vs the cloud SDK alone, same emulator, same run, loopback",
    `  node ${machine.node} | ${machine.cores} cores (${machine.cpuModel}) | ${machine.memoryGiB} GiB | ${machine.platform}`,
    `  load average (1/5/15 min): ${formatLoad(machine.loadAverage)} at start, ${formatLoad(input.loadAtEnd)} at end`,
    `  ${config.rounds} round(s)${config.warmup ? " after a warm-up" : ", no warm-up"}; ${input.elapsedSeconds.toFixed(0)} s in all${config.quick ? " (BENCH_QUICK)" : ""}`,
    `  requests per measurement (connections x per connection): ${counts}`,
    "  SDK paths:",
    ...input.backends.flatMap((outcome) => (outcome.status === "measured" ? [`    ${outcome.id.padEnd(10)} ${outcome.sdkDescription}`] : [])),
    "",
    "Throughput: medians over rounds; Ratio = Hoard / SDK; MB = 10^6 bytes; CPU H÷S = per request, Hoard path / SDK path",
    table(input.backends),
    "",
    "CPU ms per request, medians over rounds. The SDK path is this process (the SDK) and the emulator; the Hoard path",
    "is this process (the HTTP client), Hoard and the emulator. Hoard - SDK: Hoard's CPU beyond the SDK doing the same",
    "storage calls alone. When the cores are saturated, Ratio tends to 1 ÷ all H÷S.",
    cpuTable(input.backends),
    "",
    misses === 0 && failed === 0
      ? `All ${measured.length} rows meet the target (Hoard ≥ ${minCloudRatio.toFixed(2)} x the SDK's throughput).`
      : `${misses} of ${measured.length} rows miss the target${failed > 0 ? `; ${failed} backend(s) failed to run` : ""}.`
  ]
  return lines.join("\n")
}
