import { readFile } from "node:fs/promises"
import { isAbsolute, join } from "node:path"

/** A task's cache result as turbo reports it in run summaries and `--dry=json`. */
export interface TaskCacheSummary {
  readonly status: "HIT" | "MISS"
  readonly source?: "LOCAL" | "REMOTE"
  readonly local: boolean
  readonly remote: boolean
  /** Milliseconds; for a hit, the duration the cache recorded (x-artifact-duration / taskDurationMs). */
  readonly timeSaved: number
}

export interface TaskSummary {
  readonly taskId: string
  readonly hash: string
  readonly cache: TaskCacheSummary
  readonly expandedOutputs?: ReadonlyArray<string> | null
}

/** The parts of turbo's run summary (`--summarize`, `.turbo/runs/*.json`) and `--dry=json` the tests read. */
export interface RunSummary {
  readonly tasks: ReadonlyArray<TaskSummary>
  readonly scm?: { readonly type: string; readonly sha?: string }
}

/** Reads the summary file whose path turbo printed (`Summary: <path>`) at the end of a `--summarize` run. */
export const readRunSummary = async (repoDir: string, turboOutput: string): Promise<RunSummary> => {
  const path = /Summary:\s+(\S+\.json)/u.exec(turboOutput)?.[1]
  if (path === undefined) throw new Error(`turbo printed no run summary path:\n${turboOutput}`)
  return JSON.parse(await readFile(isAbsolute(path) ? path : join(repoDir, path), "utf8")) as RunSummary
}

/** Parses the JSON document `turbo run --dry=json` prints on stdout. */
export const parseDryRun = (stdout: string): RunSummary => {
  const start = stdout.indexOf("{")
  if (start === -1) throw new Error(`no JSON in turbo --dry=json output:\n${stdout}`)
  return JSON.parse(stdout.slice(start)) as RunSummary
}

export const taskById = (summary: RunSummary, taskId: string): TaskSummary => {
  const task = summary.tasks.find((candidate) => candidate.taskId === taskId)
  if (task === undefined) throw new Error(`no task ${taskId} in summary (has ${summary.tasks.map((t) => t.taskId).join(", ")})`)
  return task
}
