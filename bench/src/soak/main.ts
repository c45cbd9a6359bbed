/**
 * `pnpm soak`: one `hoard serve` under steady mixed turbo traffic for
 * SOAK_DURATION_S (default 600) at SOAK_RATE operations/s (default 150), its
 * RSS and fds sampled every SOAK_SAMPLE_S. Reports the RSS slope after the
 * warm-up, the memory breakdown, the fd range and the errors; exits 1 when a
 * bound is broken (see verdict.ts). Progress goes to stderr, the report to
 * stdout, every sample to bench/results/soak.json.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { installCleanupHandlers } from "../cleanup.ts"
import { readSoakConfig } from "./config.ts"
import { renderSoakReport } from "./report.ts"
import { runSoak } from "./soak.ts"
import { defaultBounds, soakFailures } from "./verdict.ts"

const benchDirectory = resolve(import.meta.dirname, "../..")
const started = performance.now()
const log = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
}

installCleanupHandlers()
const { maxSlopeMiBPerMin, resultsFile, ...options } = readSoakConfig(benchDirectory)
log(
  `soak: ${options.durationS} s at ${options.ratePerSecond} op/s, warm-up ${options.warmupS} s, ` +
    `samples every ${options.sampleIntervalS} s, then ${options.idleS} s idle`
)
const result = await runSoak({ ...options, log })
const failures = soakFailures(result, defaultBounds(options.concurrency, maxSlopeMiBPerMin))
mkdirSync(dirname(resultsFile), { recursive: true })
writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`)
process.stdout.write(`${renderSoakReport(result, failures)}\n`)
log(`results in ${resultsFile}`)
process.exitCode = failures.length === 0 ? 0 : 1
