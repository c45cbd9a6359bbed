/**
 * What Bazel's console output says about the remote cache, read from the
 * lines Bazel 4.2 prints (there is no machine-readable summary without a
 * build event protocol file):
 *
 *   INFO: 3 processes: 2 remote cache hit, 1 internal.
 *   INFO: 3 processes: 1 internal, 2 linux-sandbox.
 *   WARNING: Writing to Remote Cache:
 *   3 errors during bulk transfer
 *   WARNING: Reading from Remote Cache:
 *   403 Forbidden
 */
export interface BazelSummary {
  /** The last process summary, by kind: "remote cache hit", "internal", "linux-sandbox", "local", ... */
  readonly processes: Readonly<Record<string, number>>
  /** `processes["remote cache hit"]`, 0 when absent. */
  readonly remoteCacheHits: number
  /**
   * Each remote cache warning with the line after it, e.g. "Writing to Remote
   * Cache: 3 errors during bulk transfer". Bazel reports failed reads and
   * writes this way and goes on building locally; the exit code stays 0.
   */
  readonly remoteCacheWarnings: ReadonlyArray<string>
}

const processLine = /^INFO: \d+ process(?:es)?: (.*)\.$/u
const processPart = /^(\d+) (.+)$/u
const remoteWarning = /^WARNING: ((?:Reading from|Writing to) Remote Cache:.*)$/u

export const parseBazelOutput = (output: string): BazelSummary => {
  const lines = output.split(/\r?\n/u)
  let processes: Record<string, number> = {}
  const remoteCacheWarnings: Array<string> = []
  lines.forEach((line, index) => {
    const summary = processLine.exec(line)
    if (summary?.[1] !== undefined) {
      processes = {}
      for (const part of summary[1].split(", ")) {
        const match = processPart.exec(part.trim())
        if (match?.[1] !== undefined && match[2] !== undefined) processes[match[2]] = Number(match[1])
      }
    }
    const warning = remoteWarning.exec(line)
    if (warning?.[1] !== undefined) {
      const next = lines[index + 1]?.trim() ?? ""
      remoteCacheWarnings.push(next === "" || /^(INFO|WARNING|ERROR):/u.test(next) ? warning[1] : `${warning[1]} ${next}`)
    }
  })
  return { processes, remoteCacheHits: processes["remote cache hit"] ?? 0, remoteCacheWarnings }
}
