import { readCpuSecondsOf, readMachineCpu } from "./procfs.ts"

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

/** Starts a window now; the returned function ends it. `pids` are the servers (this process is added). */
export const startCpuWindow = (pids: ReadonlyArray<number>): (() => OtherCpu) => {
  const ours = [process.pid, ...pids]
  const started = performance.now()
  const machineBefore = readMachineCpu()
  const oursBefore = readCpuSecondsOf(ours)
  return () => {
    const seconds = (performance.now() - started) / 1000
    const machine = readMachineCpu()
    const others = machine.busySeconds - machineBefore.busySeconds - (readCpuSecondsOf(ours) - oursBefore)
    return {
      // Clock-tick granularity can make an idle machine look a little negative.
      othersPercent: (Math.max(0, others) / seconds) * 100,
      stealPercent: ((machine.stealSeconds - machineBefore.stealSeconds) / seconds) * 100
    }
  }
}
