/**
 * A task's outcome as Gradle 4.4 names it (`TaskState.getSkipMessage()`),
 * `EXECUTED` when its actions ran, `FAILED` when they threw.
 */
export type GradleTaskOutcome = "EXECUTED" | "FROM-CACHE" | "UP-TO-DATE" | "NO-SOURCE" | "SKIPPED" | "FAILED"

export interface GradleOutputSummary {
  /** Each task that ran or was skipped, by path (`:compileJava`), from the init script's lines. */
  readonly tasks: Readonly<Record<string, GradleTaskOutcome>>
  /** The build cache key (32 hex digits) per cacheable task, from `-i`'s "Build cache key for task" lines. */
  readonly cacheKeys: Readonly<Record<string, string>>
  /**
   * Gradle's remote-cache warnings ("Could not load entry …", "Could not store
   * entry …", "Failed to load cache entry …"), each with the exception line
   * `-i` logs under it (": Storing entry at '<url>' response status 413:
   * Payload Too Large"): a failing cache never fails the build, it only
   * leaves these.
   */
  readonly remoteCacheWarnings: ReadonlyArray<string>
  /** The HTTP status of each failed cache request, in order, from the warnings (e.g. `[413]`). */
  readonly remoteCacheStatuses: ReadonlyArray<number>
  /**
   * "The remote build cache was disabled during the build due to errors."
   * Gradle 4.4 prints it after any non-2xx answer other than a GET's 404
   * (413, 401, 403, 5xx alike): every later task then skips the remote cache.
   */
  readonly remoteCacheDisabled: boolean
}

const outcomes = new Set<string>(["EXECUTED", "FROM-CACHE", "UP-TO-DATE", "NO-SOURCE", "SKIPPED", "FAILED"])
const isOutcome = (value: string): value is GradleTaskOutcome => outcomes.has(value)

const outcomeLine = /^hoard-task-outcome (\S+) (\S+)$/u
const cacheKeyLine = /^Build cache key for task '([^']+)' is ([0-9a-f]+)$/u
const warningLine = /^(?:Could not (?:load|store) entry |Failed to load cache entry )/u
const exceptionLine = /^\S+(?:Exception|Error): (.*)$/u
const statusText = /response status (\d{3})/u
const disabledLine = "The remote build cache was disabled during the build due to errors."

/** Reads what the runner needs from a `--console=plain -i` build's stdout. */
export const parseGradleOutput = (stdout: string): GradleOutputSummary => {
  const tasks: Record<string, GradleTaskOutcome> = {}
  const cacheKeys: Record<string, string> = {}
  const remoteCacheWarnings: Array<string> = []
  const remoteCacheStatuses: Array<number> = []
  let remoteCacheDisabled = false
  const lines = stdout.split(/\r?\n/u).map((line) => line.trimEnd())
  for (const [index, line] of lines.entries()) {
    const outcome = outcomeLine.exec(line)
    if (outcome?.[1] !== undefined && outcome[2] !== undefined && isOutcome(outcome[2])) {
      tasks[outcome[1]] = outcome[2]
      continue
    }
    const key = cacheKeyLine.exec(line)
    if (key?.[1] !== undefined && key[2] !== undefined) {
      cacheKeys[key[1]] = key[2]
      continue
    }
    if (warningLine.test(line)) {
      // Without -i the cause ends the line itself; with it, it is the next line, then a stack trace.
      const cause = exceptionLine.exec(lines[index + 1] ?? "")?.[1]
      const warning = cause === undefined ? line : `${line}: ${cause}`
      remoteCacheWarnings.push(warning)
      const status = statusText.exec(warning)?.[1]
      if (status !== undefined) remoteCacheStatuses.push(Number(status))
    } else if (line === disabledLine) remoteCacheDisabled = true
  }
  return { tasks, cacheKeys, remoteCacheWarnings, remoteCacheStatuses, remoteCacheDisabled }
}
