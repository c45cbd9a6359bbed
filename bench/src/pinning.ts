import { execFileSync } from "node:child_process"

/**
 * CPU pinning: on a machine with two CPUs or more, the benchmark process (the
 * load generators) runs on one CPU and every server on another, so that the
 * client and the server under test do not compete for the same core.
 */
export interface Pinning {
  /** The CPU each server child is started on (`taskset -c <cpu>`); undefined when pinning is off. */
  readonly serverCpu: number | undefined
  /** For the report: where things run, or why pinning is off. */
  readonly description: string
}

/** "0-2,5" -> [0, 1, 2, 5] */
const parseCpuList = (list: string): Array<number> =>
  list.split(",").flatMap((part) => {
    const [first = Number.NaN, last = first] = part.split("-").map(Number)
    return Array.from({ length: last - first + 1 }, (_, index) => first + index)
  })

/** The CPUs this process may run on, or undefined when `taskset` is not there. */
const allowedCpus = (): Array<number> | undefined => {
  try {
    const output = execFileSync("taskset", ["-pc", String(process.pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    return parseCpuList(output.slice(output.lastIndexOf(":") + 1).trim())
  } catch {
    return undefined
  }
}

/** Pins this process (all its threads) to the first allowed CPU and picks the second for the servers. */
export const setUpPinning = (enabled: boolean): Pinning => {
  const off = (why: string): Pinning => ({ serverCpu: undefined, description: `off (${why})` })
  if (!enabled) return off("BENCH_PIN=0")
  const cpus = allowedCpus()
  if (cpus === undefined) return off("taskset not found")
  const [benchCpu, serverCpu] = cpus
  if (benchCpu === undefined || serverCpu === undefined) return off(`only ${cpus.length} CPU allowed`)
  execFileSync("taskset", ["-a", "-pc", String(benchCpu), String(process.pid)], { stdio: "ignore" })
  return { serverCpu, description: `on (bench process on CPU ${benchCpu}, each server under taskset -c ${serverCpu})` }
}
