import { readCpuSeconds } from "../procfs.ts"

/** CPU seconds used by each party of a measurement. */
export interface CpuSeconds {
  /** The Hoard server process (0 for SDK measurements: it is idle then, and not counted). */
  readonly hoard: number
  /** The emulator's processes. */
  readonly emulator: number
  /** This process: the HTTP client for Hoard measurements, the SDK for SDK ones. */
  readonly bench: number
}

const processCpu = (pids: ReadonlyArray<number>): number =>
  pids.reduce((sum, pid) => {
    try {
      return sum + readCpuSeconds(pid)
    } catch {
      return sum
    }
  }, 0)

const benchCpu = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1e6
}

/** Starts counting; the returned function gives the CPU time used since. */
export const cpuMeter = (hoardPid: number | undefined, emulatorPids: () => ReadonlyArray<number>): () => CpuSeconds => {
  const pids = emulatorPids()
  const start = { hoard: hoardPid === undefined ? 0 : processCpu([hoardPid]), emulator: processCpu(pids), bench: benchCpu() }
  return () => ({
    hoard: hoardPid === undefined ? 0 : processCpu([hoardPid]) - start.hoard,
    emulator: processCpu(pids) - start.emulator,
    bench: benchCpu() - start.bench
  })
}
