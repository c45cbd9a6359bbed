import { spawn } from "node:child_process"
import { trackProcess } from "../cleanup.ts"

/**
 * A long-running helper process (an emulator) started by the benchmark. It is
 * registered with the cleanup handlers, so it is killed on every exit path.
 */
export interface Daemon {
  readonly pid: number
  /** The match of `readyPattern` in its output. */
  readonly ready: RegExpExecArray
  /** Sends `signal` (default SIGTERM), then SIGKILL after `graceMs`; resolves once it has exited. */
  readonly stop: (signal?: NodeJS.Signals, graceMs?: number) => Promise<void>
}

export interface DaemonSpec {
  readonly name: string
  /** The executable; `node` (this process's) by default. */
  readonly command?: string
  readonly args: ReadonlyArray<string>
  readonly env?: NodeJS.ProcessEnv
  /** Searched in stdout and stderr; the daemon is ready once it matches. */
  readonly readyPattern: RegExp
  readonly startTimeoutMs?: number
}

const tail = (text: string): string => text.split("\n").slice(-20).join("\n")

export const startDaemon = (spec: DaemonSpec): Promise<Daemon> =>
  new Promise((resolve, reject) => {
    const child = spawn(spec.command ?? process.execPath, [...spec.args], {
      env: spec.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const untrack = trackProcess(child)
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    let output = ""
    let started = false

    const stop = async (signal: NodeJS.Signals = "SIGTERM", graceMs = 5_000): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGCONT")
        child.kill(signal)
        const killer = setTimeout(() => child.kill("SIGKILL"), graceMs)
        await exited
        clearTimeout(killer)
      }
      untrack()
    }

    const timeoutMs = spec.startTimeoutMs ?? 60_000
    const timer = setTimeout(() => {
      void stop("SIGKILL")
      reject(new Error(`${spec.name} did not start within ${timeoutMs} ms\n${tail(output)}`))
    }, timeoutMs)

    const onOutput = (data: string): void => {
      output += data
      if (output.length > 100_000) output = output.slice(-50_000)
      if (started) return
      const ready = spec.readyPattern.exec(output)
      if (ready !== null && child.pid !== undefined) {
        started = true
        clearTimeout(timer)
        resolve({ pid: child.pid, ready, stop })
      }
    }
    child.stdout.setEncoding("utf8").on("data", onOutput)
    child.stderr.setEncoding("utf8").on("data", onOutput)
    child.once("error", (error) => {
      clearTimeout(timer)
      untrack()
      reject(error)
    })
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      untrack()
      if (!started) reject(new Error(`${spec.name} exited (code ${code}, signal ${signal}) before it was ready\n${tail(output)}`))
    })
  })
