import { spawn } from "node:child_process"
import { setTimeout as sleep } from "node:timers/promises"
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
  readonly urlPattern?: RegExp
  /** For a server that prints no banner: its base URL, and a path polled until it answers 2xx. */
  readonly readinessProbe?: { readonly url: string; readonly path: string; readonly headers?: Record<string, string> }
  /** Environment variables added to the parent's. */
  readonly env?: Readonly<Record<string, string>>
  /** Runs the process under `taskset -c <cpu>` (the pid stays the node process's: taskset execs it). */
  readonly cpu?: number
  readonly startTimeoutMs?: number
}

const outputTail = (text: string): string => text.split("\n").slice(-20).join("\n")

/** Spawns `node <args>` and resolves once the server has printed its URL or answered its readiness probe. */
export const startChildServer = (spec: ChildServerSpec): Promise<ChildServer> =>
  new Promise((resolveStart, rejectStart) => {
    const [command, args] =
      spec.cpu === undefined
        ? [process.execPath, [...spec.args]]
        : ["taskset", ["-c", String(spec.cpu), process.execPath, ...spec.args]]
    const child = spawn(command, args, {
      cwd: spec.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      ...(spec.env !== undefined && { env: { ...process.env, ...spec.env } })
    })
    const untrack = trackProcess(child)
    let stdout = ""
    let stderr = ""
    let started = false
    let stopping = false
    let exitedYet = false
    let onCrash: (error: Error) => void = () => undefined
    const crashed = new Promise<never>((_, reject) => {
      onCrash = reject
    })
    crashed.catch(() => undefined)
    const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()))

    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      rejectStart(new Error(`${spec.name} was not ready within ${spec.startTimeoutMs ?? 30_000} ms\n${outputTail(stdout + stderr)}`))
    }, spec.startTimeoutMs ?? 30_000)

    const ready = (url: string) => {
      if (started || child.pid === undefined) return
      started = true
      clearTimeout(timer)
      resolveStart({
        name: spec.name,
        pid: child.pid,
        url,
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

    child.stdout.setEncoding("utf8").on("data", (data: string) => {
      stdout += data
      if (stdout.length > 100_000) stdout = stdout.slice(-50_000)
      const match = spec.urlPattern?.exec(stdout)
      if (match?.[1] !== undefined) ready(match[1])
    })
    child.stderr.setEncoding("utf8").on("data", (data: string) => {
      stderr += data
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000)
    })
    child.once("exit", (code, signal) => {
      exitedYet = true
      clearTimeout(timer)
      const error = new Error(`${spec.name} exited (code ${code}, signal ${signal})\n${outputTail(stdout + stderr)}`)
      if (!started) rejectStart(error)
      else if (!stopping) onCrash(error)
    })

    const probe = spec.readinessProbe
    if (probe !== undefined) {
      void (async () => {
        while (!started && !exitedYet) {
          try {
            const response = await fetch(new URL(probe.path, probe.url), { headers: probe.headers ?? {}, signal: AbortSignal.timeout(1000) })
            await response.arrayBuffer()
            if (response.ok) ready(probe.url)
          } catch {
            // not listening yet
          }
          if (!started) await sleep(50)
        }
      })()
    }
  })
