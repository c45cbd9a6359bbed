import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const hoardBin = fileURLToPath(new URL("../../../packages/cli/src/bin.ts", import.meta.url))

/** A team-bound token of an access file (see `TokenConfig` in `@hoard/core`). */
export interface AccessToken {
  readonly name: string
  readonly token: string
  readonly teams: Readonly<Record<string, "read" | "read-write" | "admin">>
}

export interface HoardOptions {
  /** `--base-path`, e.g. `/cache`. */
  readonly basePath?: string
  /** `--max-size`: the whole cache's size budget, e.g. `700000` or `10GiB`. */
  readonly maxSize?: string
  /**
   * Teams and team-bound tokens, written to an access file passed with
   * `--access` (instead of `--token`). The random `token` is added to it as
   * `e2e-admin`, admin on every team.
   */
  readonly access?: {
    readonly teams: ReadonlyArray<{ readonly id: string; readonly slug: string; readonly name?: string }>
    readonly tokens: ReadonlyArray<AccessToken>
  }
}

export interface ProcessExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface HoardProcess extends ListeningProcess {
  /** A token for every team (admin on each when `access` is given). */
  readonly token: string
  /** The `--storage` directory: where uploaded artifacts end up. */
  readonly storageDir: string
  /** Removes the temp directories; call after `stop`. */
  readonly cleanup: () => Promise<void>
}

const listeningLine = /Hoard is listening on (\S+)/u

/**
 * Starts `hoard serve` as a real child process on a free port, with fs storage
 * and a data dir in fresh temp directories and a random token, and resolves
 * once its banner says where it listens.
 */
export const startHoard = async (options: HoardOptions = {}, startTimeoutMillis = 30_000): Promise<HoardProcess> => {
  const root = await mkdtemp(join(tmpdir(), "hoard-e2e-server-"))
  const storageDir = join(root, "artifacts")
  const token = randomBytes(24).toString("hex")
  const accessFile = join(root, "access.json")
  if (options.access !== undefined) {
    const tokens = [...options.access.tokens, { name: "e2e-admin", token, teams: { "*": "admin" } }]
    await writeFile(accessFile, JSON.stringify({ teams: options.access.teams, tokens }, null, 2))
  }
  const args = [
    hoardBin, "serve",
    "--port", "0",
    "--storage", storageDir,
    "--data-dir", join(root, "data"),
    ...(options.access === undefined ? ["--token", token] : ["--access", accessFile]),
    ...(options.basePath === undefined ? [] : ["--base-path", options.basePath]),
    ...(options.maxSize === undefined ? [] : ["--max-size", options.maxSize])
  ]
  const server = await startListeningProcess({ command: process.execPath, args, cwd: root }, startTimeoutMillis).catch(
    async (error: unknown) => {
      await rm(root, { recursive: true, force: true })
      throw error
    }
  )
  return { ...server, token, storageDir, cleanup: () => rm(root, { recursive: true, force: true }) }
}

export interface ProcessSpec {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  /** Added to the runner's environment (without its HOARD_* settings). */
  readonly env?: Readonly<Record<string, string>>
}

export interface ListeningProcess {
  readonly pid: number
  /** The URL the process printed in its `Hoard is listening on <url>` line. */
  readonly url: string
  /** Everything the process printed so far, for failure messages. */
  readonly output: () => string
  /** Sends SIGTERM and resolves with how the process ended, or rejects after `timeoutMillis`. */
  readonly stop: (timeoutMillis: number) => Promise<ProcessExit>
}

/**
 * Starts a server process (the hoard CLI, or an app embedding Hoard) and
 * resolves once it prints `Hoard is listening on <url>`. It runs in its own
 * process group and signals go to the whole group: launchers such as `npx`
 * do not pass SIGTERM on to the server they start.
 */
export const startListeningProcess = async (spec: ProcessSpec, startTimeoutMillis = 30_000): Promise<ListeningProcess> => {
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: { ...withoutHoardVars(process.env), ...spec.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  let output = ""
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  const exited = exitOf(child)
  const signal = (name: NodeJS.Signals) => {
    if (child.pid === undefined) return
    try {
      process.kill(-child.pid, name)
    } catch {
      // The group is gone already.
    }
  }

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${spec.command} did not start within ${startTimeoutMillis} ms:\n${output}`)),
      startTimeoutMillis
    )
    const onData = () => {
      const match = listeningLine.exec(output)
      if (match?.[1] === undefined) return
      clearTimeout(timer)
      child.stdout.off("data", onData)
      resolve(match[1])
    }
    child.stdout.on("data", onData)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    void exited.then((exit) => {
      clearTimeout(timer)
      reject(new Error(`${spec.command} exited during startup (${JSON.stringify(exit)}):\n${output}`))
    })
  }).catch((error: unknown) => {
    signal("SIGKILL")
    throw error
  })

  return {
    pid: child.pid!,
    url,
    output: () => output,
    stop: (timeoutMillis) =>
      new Promise<ProcessExit>((resolve, reject) => {
        const timer = setTimeout(() => {
          signal("SIGKILL")
          reject(new Error(`${spec.command} did not exit within ${timeoutMillis} ms of SIGTERM:\n${output}`))
        }, timeoutMillis)
        void exited.then((exit) => {
          clearTimeout(timer)
          resolve(exit)
        })
        if (child.exitCode === null && child.signalCode === null) signal("SIGTERM")
      })
  }
}

const exitOf = (child: ChildProcess): Promise<ProcessExit> =>
  new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))

/** The test runner's env without HOARD_* settings, so only the flags above configure the server. */
const withoutHoardVars = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("HOARD_")))
