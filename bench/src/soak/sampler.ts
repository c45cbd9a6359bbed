import { readdirSync } from "node:fs"
import { readRssBreakdown } from "../index/memory.ts"

/**
 * Samples a process's memory (the anonymous/file split of
 * `readRssBreakdown`) and open file descriptors from procfs at a fixed interval.
 */

export interface Sample {
  /** Seconds since the sampler started. */
  readonly t: number
  /** VmRSS. */
  readonly rssBytes: number
  /** RssAnon: heap, malloc arenas, Buffers: what a leak grows. */
  readonly rssAnonBytes: number
  /** RssFile: mapped files (code, and SQLite if it maps its file). */
  readonly rssFileBytes: number
  /** Entries of /proc/<pid>/fd. */
  readonly fds: number
}

/** One reading; `undefined` once the process is gone. */
export const readSample = (pid: number, t: number): Sample | undefined => {
  const rss = readRssBreakdown(pid)
  if (rss === undefined) return undefined
  try {
    return { t, rssBytes: rss.rssBytes, rssAnonBytes: rss.anonBytes, rssFileBytes: rss.fileBytes, fds: readdirSync(`/proc/${pid}/fd`).length }
  } catch {
    return undefined
  }
}

export interface Sampler {
  readonly samples: () => ReadonlyArray<Sample>
  /** Takes one sample now (e.g. at a phase boundary). */
  readonly sampleNow: () => Sample | undefined
  readonly stop: () => void
}

/** Samples `pid` every `intervalMs`, with times relative to `origin` (a `performance.now()` value). */
export const startSampler = (pid: number, intervalMs: number, origin = performance.now()): Sampler => {
  const samples: Array<Sample> = []
  const sampleNow = () => {
    const sample = readSample(pid, (performance.now() - origin) / 1000)
    if (sample !== undefined) samples.push(sample)
    return sample
  }
  sampleNow()
  const timer = setInterval(sampleNow, intervalMs)
  timer.unref()
  return { samples: () => samples, sampleNow, stop: () => clearInterval(timer) }
}
