import { installCleanupHandlers } from "../cleanup.ts"
import { runCloudBench } from "./main.ts"

/**
 * `pnpm bench` with `BENCH_SUITES`: `fs` (Hoard vs raw node:http), `cloud`
 * (the cloud adapters vs their SDKs), or both, comma-separated, in that order.
 * Both by default.
 */
export const runSuites = async (fsMain: () => Promise<void>): Promise<void> => {
  const raw = process.env["BENCH_SUITES"] ?? "fs,cloud"
  const suites = raw.split(",").map((name) => name.trim()).filter(Boolean)
  const unknown = suites.filter((name) => name !== "fs" && name !== "cloud")
  if (unknown.length > 0 || suites.length === 0) throw new Error(`BENCH_SUITES="${raw}": use fs, cloud or fs,cloud`)
  if (suites.includes("fs")) await fsMain()
  else installCleanupHandlers()
  if (suites.includes("cloud") && !(await runCloudBench())) process.exitCode = 1
}
