import { readMemoryStatus, resetPeakRss } from "./procfs.ts"

/** The peak RSS of a process over one phase, from two sources. */
export interface PhasePeak {
  /** Highest VmRSS seen by sampling every `intervalMs`. */
  readonly sampledBytes: number
  /** VmHWM at the end of the phase, when it could be reset at its start. */
  readonly hwmBytes: number | undefined
  /** The larger of the two: what is reported. */
  readonly peakBytes: number
}

export interface RssMonitor {
  /** Starts a phase: resets the sampled peak and, if allowed, the kernel's VmHWM. */
  readonly beginPhase: () => void
  /** Ends the phase and returns its peak. */
  readonly endPhase: () => PhasePeak
  /** Highest RSS seen since the monitor started (samples, and VmHWM at the end of each phase). */
  readonly overallPeakBytes: () => number
  readonly stop: () => void
}

/** Samples /proc/<pid>/status every `intervalMs` (default 20 ms). */
export const monitorRss = (pid: number, intervalMs = 20): RssMonitor => {
  let phasePeak = 0
  let overallPeak = 0
  let hwmReset = false
  const sample = () => {
    const status = readMemoryStatus(pid)
    if (status === undefined) return
    phasePeak = Math.max(phasePeak, status.rssBytes)
    overallPeak = Math.max(overallPeak, status.rssBytes)
  }
  const timer = setInterval(sample, intervalMs)
  timer.unref()
  sample()
  return {
    beginPhase: () => {
      hwmReset = resetPeakRss(pid)
      phasePeak = 0
      sample()
    },
    endPhase: () => {
      sample()
      const hwmBytes = hwmReset ? readMemoryStatus(pid)?.hwmBytes : undefined
      const peakBytes = Math.max(phasePeak, hwmBytes ?? 0)
      overallPeak = Math.max(overallPeak, peakBytes)
      return { sampledBytes: phasePeak, hwmBytes, peakBytes }
    },
    overallPeakBytes: () => overallPeak,
    stop: () => clearInterval(timer)
  }
}
