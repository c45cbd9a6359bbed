import { readCpuSecondsOf } from "../procfs.ts"

/** CPU seconds used by each party of a measurement. */
export interface CpuSeconds {
  /** The Hoard server process (0 for SDK measurements: it is idle then, and not counted). */
  readonly hoard: number
  /** The emulator's processes. */
  readonly emulator: number
  /** This process: the HTTP client for Hoard measurements, the SDK for SDK ones. */
  readonly bench: number
}

const benchCpu = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1e6
}

/** Starts counting; the returned function gives the CPU time used since. */
export const cpuMeter = (hoardPid: number | undefined, emulatorPids: () => ReadonlyArray<number>): () => CpuSeconds => {
  const pids = emulatorPids()
  const start = { hoard: hoardPid === undefined ? 0 : readCpuSecondsOf([hoardPid]), emulator: readCpuSecondsOf(pids), bench: benchCpu() }
  return () => ({
    hoard: hoardPid === undefined ? 0 : readCpuSecondsOf([hoardPid]) - start.hoard,
    emulator: readCpuSecondsOf(pids) - start.emulator,
    bench: benchCpu() - start.bench
  })
}
