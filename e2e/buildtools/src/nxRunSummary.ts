import { readFile } from "node:fs/promises"
import { join } from "node:path"

/** How a task got its outputs. */
export type NxTaskCache = "remote" | "local" | "executed"

export interface NxTaskResult {
  /** `<project>:<target>`, e.g. `lib:build`. */
  readonly taskId: string
  /** The Nx task hash: a decimal u64 string, the `<hash>` in `/v1/cache/<hash>`. */
  readonly hash: string
  readonly cache: NxTaskCache
  /** The task's exit status (0 = success); a failed remote PUT also makes it 1. */
  readonly status: number
}

interface RunJsonTask {
  readonly taskId: string
  readonly hash: string
  readonly cacheStatus: "remote-cache-hit" | "local-cache-hit" | "cache-miss"
  readonly status: number
}

const cacheOf: Record<RunJsonTask["cacheStatus"], NxTaskCache> = {
  "remote-cache-hit": "remote",
  "local-cache-hit": "local",
  "cache-miss": "executed"
}

/** Where Nx writes the summary of the last run: `<cache directory>/run.json`. */
export const runSummaryPath = (cacheDir: string): string => join(cacheDir, "run.json")

/**
 * The per-task results of the last run, from the `run.json` Nx writes into its
 * cache directory at the end of every task run (`StoreRunInformationLifeCycle`).
 * It is the machine-readable form of the `[remote cache]` / `[local cache]`
 * markers on the terminal. A run that dies before its tasks end (e.g. a remote
 * GET answered 500) writes none: then this is empty.
 */
export const readRunSummary = async (cacheDir: string): Promise<ReadonlyArray<NxTaskResult>> => {
  const text = await readFile(runSummaryPath(cacheDir), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined
    throw error
  })
  if (text === undefined) return []
  const { tasks } = JSON.parse(text) as { tasks: ReadonlyArray<RunJsonTask> }
  return tasks.map((task) => {
    const cache = cacheOf[task.cacheStatus]
    if (cache === undefined) throw new Error(`unknown cacheStatus in run.json: ${task.cacheStatus}`)
    return { taskId: task.taskId, hash: task.hash, cache, status: task.status }
  })
}
