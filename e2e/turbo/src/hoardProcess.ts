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

export interface HoardProcess {
  /** The URL from the banner, to use as TURBO_API (includes the base path). */
  readonly url: string
  /** A token for every team (admin on each when `access` is given). */
  readonly token: string
  /** The `--storage` directory: where uploaded artifacts end up. */
  readonly storageDir: string
  /** Everything the process printed so far, for failure messages. */
  readonly output: () => string
  /** Sends SIGTERM and resolves with how the process ended, or rejects after `timeoutMillis`. */
  readonly stop: (timeoutMillis: number) => Promise<ProcessExit>
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
    ...(options.basePath === undefined ? [] : ["--base-path", options.basePath])
  ]
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: withoutHoardVars(process.env),
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
  const exited = exitOf(child)

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hoard did not start within ${startTimeoutMillis} ms:\n${output}`)), startTimeoutMillis)
    const onData = () => {
      const match = listeningLine.exec(output)
      if (match?.[1] === undefined) return
      clearTimeout(timer)
      child.stdout.off("data", onData)
      resolve(match[1])
    }
    child.stdout.on("data", onData)
    void exited.then((exit) => {
      clearTimeout(timer)
      reject(new Error(`hoard exited during startup (${JSON.stringify(exit)}):\n${output}`))
    })
  }).catch(async (error: unknown) => {
    child.kill("SIGKILL")
    await rm(root, { recursive: true, force: true })
    throw error
  })

  return {
    url,
    token,
    storageDir,
    output: () => output,
    stop: (timeoutMillis) =>
      new Promise<ProcessExit>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL")
          reject(new Error(`hoard did not exit within ${timeoutMillis} ms of SIGTERM:\n${output}`))
        }, timeoutMillis)
        void exited.then((exit) => {
          clearTimeout(timer)
          resolve(exit)
        })
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      }),
    cleanup: () => rm(root, { recursive: true, force: true })
  }
}

const exitOf = (child: ChildProcess): Promise<ProcessExit> =>
  new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))

/** The test runner's env without HOARD_* settings, so only the flags above configure the server. */
const withoutHoardVars = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("HOARD_")))
