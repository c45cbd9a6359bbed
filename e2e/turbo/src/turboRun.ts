import { spawn } from "node:child_process"
import { turboBinaryPath } from "./turboBinary.ts"

export interface RemoteCacheEnv {
  /** TURBO_API, used exactly as given (no trailing-slash clean-up). */
  readonly api: string
  readonly token: string
  /** TURBO_TEAM; an empty string sets none (turbo then uses the linked team, if any). */
  readonly team: string
  /** TURBO_REMOTE_CACHE_SIGNATURE_KEY, for repos whose turbo.json turns signing on. */
  readonly signatureKey?: string
}

export interface TurboResult {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
}

const turbo = turboBinaryPath()

/**
 * Runs the real turbo binary in `cwd` against a remote cache. The environment
 * is built from scratch (no inherited TURBO_* or CI variables): PATH to find
 * node and pnpm, a throwaway HOME, and the remote-cache settings.
 */
export const runTurbo = (
  cwd: string,
  home: string,
  remote: RemoteCacheEnv,
  args: ReadonlyArray<string>,
  timeoutMillis = 90_000
): Promise<TurboResult> => {
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    HOME: home,
    TURBO_API: remote.api,
    TURBO_TOKEN: remote.token,
    ...(remote.team === "" ? {} : { TURBO_TEAM: remote.team }),
    TURBO_TELEMETRY_DISABLED: "1",
    TURBO_NO_UPDATE_NOTIFIER: "1",
    NO_COLOR: "1",
    ...(remote.signatureKey === undefined ? {} : { TURBO_REMOTE_CACHE_SIGNATURE_KEY: remote.signatureKey })
  }
  return new Promise((resolve, reject) => {
    const child = spawn(turbo, [...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`turbo ${args.join(" ")} timed out after ${timeoutMillis} ms:\n${stdout}\n${stderr}`))
    }, timeoutMillis)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once("close", (exitCode) => {
      clearTimeout(timer)
      resolve({ exitCode, stdout, stderr })
    })
  })
}
