import { readCpuSeconds, readMachineCpu } from "./procfs.ts"

/**
 * The CPU taken by everything else during a measurement: the machine's busy
 * time (/proc/stat) minus the CPU time of the servers and of this benchmark
 * process over the same window. A noisy neighbour shows up here.
 */
export interface OtherCpu {
  /** Percent of one core; 100 means one whole core was busy with something else. */
  readonly othersPercent: number
  /** The part of it that was hypervisor steal, in percent of one core. */
  readonly stealPercent: number
}

const cpuOf = (pids: ReadonlyArray<number>): number =>
  pids.reduce((sum, pid) => {
    try {
      return sum + readCpuSeconds(pid)
    } catch {
      return sum // the process is gone
    }
  }, 0)

/** Starts a window now; the returned function ends it. `pids` are the servers (this process is added). */
export const startCpuWindow = (pids: ReadonlyArray<number>): (() => OtherCpu) => {
  const ours = [process.pid, ...pids]
  const started = performance.now()
  const machineBefore = readMachineCpu()
  const oursBefore = cpuOf(ours)
  return () => {
    const seconds = (performance.now() - started) / 1000
    const machine = readMachineCpu()
    const others = machine.busySeconds - machineBefore.busySeconds - (cpuOf(ours) - oursBefore)
    return {
      // Clock-tick granularity can make an idle machine look a little negative.
      othersPercent: (Math.max(0, others) / seconds) * 100,
      stealPercent: ((machine.stealSeconds - machineBefore.stealSeconds) / seconds) * 100
    }
  }
}
