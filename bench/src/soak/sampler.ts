import { readdirSync, readFileSync } from "node:fs"

/**
 * Samples a process's memory and open file descriptors from procfs at a fixed
 * interval. (bench/src/procfs.ts reads VmRSS and VmHWM only; a soak also
 * wants the anonymous/file split and the fd count.)
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

const kilobytes = (status: string, field: string): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "mu").exec(status)
  return match === null ? Number.NaN : Number(match[1]) * 1024
}

/** One reading; `undefined` once the process is gone. */
export const readSample = (pid: number, t: number): Sample | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    return {
      t,
      rssBytes: kilobytes(status, "VmRSS"),
      rssAnonBytes: kilobytes(status, "RssAnon"),
      rssFileBytes: kilobytes(status, "RssFile"),
      fds: readdirSync(`/proc/${pid}/fd`).length
    }
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
