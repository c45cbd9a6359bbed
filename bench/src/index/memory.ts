import { readFileSync } from "node:fs"

/**
 * Where a process's resident memory is, from /proc/<pid>/status: anonymous
 * (the V8 heap, native allocations such as SQLite's page cache) or file-backed
 * (mapped code and files). `src/procfs.ts` reads the totals; this splits them,
 * to tell which kind a high figure is.
 */
export interface RssBreakdown {
  readonly rssBytes: number
  readonly anonBytes: number
  readonly fileBytes: number
}

const field = (status: string, name: string): number => {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "mu").exec(status)
  return match === null ? Number.NaN : Number(match[1]) * 1024
}

export const readRssBreakdown = (pid: number): RssBreakdown | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    return { rssBytes: field(status, "VmRSS"), anonBytes: field(status, "RssAnon"), fileBytes: field(status, "RssFile") }
  } catch {
    return undefined
  }
}

export const describeRss = (rss: RssBreakdown | undefined): string =>
  rss === undefined
    ? "unknown"
    : `${(rss.rssBytes / 1e6).toFixed(0)} MB (anon ${(rss.anonBytes / 1e6).toFixed(0)}, file ${(rss.fileBytes / 1e6).toFixed(0)})`
