import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import type { ReportInput } from "./report.ts"
import { targets } from "./summarize.ts"

/** Writes the whole run, every round included, as JSON. */
export const writeResults = (file: string, input: ReportInput & { readonly startedAt: Date; readonly finishedAt: Date }): void => {
  const { config, ...rest } = input
  const document = {
    benchmark: "Hoard vs turborepo-remote-cache vs raw node:http",
    ...rest,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    config: { ...config, only: config.only?.source ?? null },
    targets,
    allPass: [...input.throughput, ...input.latency, ...input.memory].every((row) => row.pass)
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`)
}
