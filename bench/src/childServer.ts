import { spawn } from "node:child_process"
import { trackProcess } from "./cleanup.ts"

/** A server running in its own child process, so that its RSS and CPU time can be read separately. */
export interface ChildServer {
  readonly name: string
  readonly pid: number
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** Fails (rejects) if the process exits before `stop` is called. */
  readonly crashed: Promise<never>
  /** Asks the process to stop (SIGINT, so a `--cpu-prof` profile is written), then kills it after `graceMs`. */
  readonly stop: (graceMs?: number) => Promise<void>
}

export interface ChildServerSpec {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  /** Finds the base URL in the process's stdout. */
  readonly urlPattern: RegExp
  readonly startTimeoutMs?: number
}

const outputTail = (text: string): string => text.split("\n").slice(-20).join("\n")

/** Spawns `node <args>` and resolves once the server has printed its URL. */
export const startChildServer = (spec: ChildServerSpec): Promise<ChildServer> =>
  new Promise((resolveStart, rejectStart) => {
    const child = spawn(process.execPath, [...spec.args], { cwd: spec.cwd, stdio: ["pipe", "pipe", "pipe"] })
    const untrack = trackProcess(child)
    let stdout = ""
    let stderr = ""
    let started = false
    let stopping = false
    let onCrash: (error: Error) => void = () => undefined
    const crashed = new Promise<never>((_, reject) => {
      onCrash = reject
    })
    crashed.catch(() => undefined)
    const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()))

    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      rejectStart(new Error(`${spec.name} did not print its URL within ${spec.startTimeoutMs ?? 30_000} ms\n${outputTail(stdout + stderr)}`))
    }, spec.startTimeoutMs ?? 30_000)

    child.stdout.setEncoding("utf8").on("data", (data: string) => {
      stdout += data
      if (stdout.length > 100_000) stdout = stdout.slice(-50_000)
      const match = spec.urlPattern.exec(stdout)
      if (!started && match?.[1] !== undefined && child.pid !== undefined) {
        started = true
        clearTimeout(timer)
        resolveStart({
          name: spec.name,
          pid: child.pid,
          url: match[1],
          crashed,
          stop: async (graceMs = 15_000) => {
            stopping = true
            if (child.exitCode === null && child.signalCode === null) {
              child.kill("SIGINT")
              const killer = setTimeout(() => child.kill("SIGKILL"), graceMs)
              await exited
              clearTimeout(killer)
            }
            untrack()
          }
        })
      }
    })
    child.stderr.setEncoding("utf8").on("data", (data: string) => {
      stderr += data
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000)
    })
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      const error = new Error(`${spec.name} exited (code ${code}, signal ${signal})\n${outputTail(stdout + stderr)}`)
      if (!started) rejectStart(error)
      else if (!stopping) onCrash(error)
    })
  })
