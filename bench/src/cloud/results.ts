import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import type { CloudReportInput } from "./report.ts"
import { minCloudRatio } from "./summarize.ts"

/** Writes the whole run, every round of every row included, as JSON. */
export const writeCloudResults = (file: string, input: CloudReportInput & { readonly startedAt: Date; readonly finishedAt: Date }): void => {
  const { config, ...rest } = input
  const document = {
    benchmark: "Hoard cloud adapters vs the cloud SDKs alone",
    ...rest,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    config: { ...config, only: config.only?.source ?? null },
    target: { minRatio: minCloudRatio },
    allPass: input.backends.every((outcome) => outcome.status === "skipped" || (outcome.status === "measured" && outcome.rows.every((row) => row.pass)))
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`)
}
