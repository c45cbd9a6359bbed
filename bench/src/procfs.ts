import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"

/** Per-process facts from Linux procfs: memory and CPU time of a server process. */

const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    return 100
  }
})()

export interface MemoryStatus {
  /** Current resident set size (VmRSS). */
  readonly rssBytes: number
  /** Peak resident set size since start or the last reset (VmHWM). */
  readonly hwmBytes: number
}

const kilobytesField = (status: string, field: string): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "mu").exec(status)
  return match === null ? Number.NaN : Number(match[1]) * 1024
}

/** Reads VmRSS and VmHWM; `undefined` once the process is gone. */
export const readMemoryStatus = (pid: number): MemoryStatus | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    return { rssBytes: kilobytesField(status, "VmRSS"), hwmBytes: kilobytesField(status, "VmHWM") }
  } catch {
    return undefined
  }
}

/** Resets VmHWM to the current RSS (`echo 5 > clear_refs`). Returns whether the kernel allowed it. */
export const resetPeakRss = (pid: number): boolean => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5")
    return true
  } catch {
    return false
  }
}

/** The CPU seconds the process has used so far, in user space and in the kernel. */
export const readCpuTimes = (pid: number): { readonly userSeconds: number; readonly systemSeconds: number } => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // utime and stime are fields 14 and 15 of the line, i.e. 11 and 12 after the name.
  return { userSeconds: Number(fields[11]) / clockTicksPerSecond, systemSeconds: Number(fields[12]) / clockTicksPerSecond }
}

/** User plus system CPU seconds the process has used so far. */
export const readCpuSeconds = (pid: number): number => {
  const { systemSeconds, userSeconds } = readCpuTimes(pid)
  return userSeconds + systemSeconds
}

/** The CPU seconds of several processes together; one that is gone counts 0. */
export const readCpuSecondsOf = (pids: ReadonlyArray<number>): number =>
  pids.reduce((sum, pid) => {
    try {
      return sum + readCpuSeconds(pid)
    } catch {
      return sum
    }
  }, 0)

/** Machine-wide CPU seconds so far, summed over all CPUs (the `cpu` line of /proc/stat). */
export interface MachineCpu {
  /** Everything but idle and iowait: user, nice, system, irq, softirq and steal. */
  readonly busySeconds: number
  /** Time the hypervisor gave this machine's CPUs to someone else. */
  readonly stealSeconds: number
}

export const readMachineCpu = (): MachineCpu => {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? ""
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/u).slice(1).map(Number)
  return {
    busySeconds: (user + nice + system + irq + softirq + steal) / clockTicksPerSecond,
    stealSeconds: steal / clockTicksPerSecond
  }
}
