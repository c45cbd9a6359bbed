import { runClient } from "./clientProcess.ts"
import { createHash } from "node:crypto"
import { readdir, readFile, realpath } from "node:fs/promises"
import { join, relative } from "node:path"
import { parseBazelOutput } from "./bazelSummary.ts"
import type { BazelSummary } from "./bazelSummary.ts"
import { bazelEnv, bazelStartupFlags, findBazel } from "./bazelWorkspace.ts"
import type { BazelWorkspace } from "./bazelWorkspace.ts"

export interface BazelRemote {
  /**
   * `--remote_cache`, used as given, e.g.
   * `http://hoard:<token>@127.0.0.1:<port>/bazel/<team>` (see `withBasicAuth`):
   * Bazel sends the user-info as a preemptive `Authorization: Basic` header on
   * every request and appends `/ac/<sha256>` or `/cas/<sha256>`.
   */
  readonly url: string
  /** Each becomes `--remote_header=Name=Value`, e.g. `{ Authorization: "Bearer <token>" }`. */
  readonly headers?: Readonly<Record<string, string>>
  /** `false` adds `--remote_upload_local_results=false`: Bazel then only GETs. Default: uploads. */
  readonly upload?: boolean
}

export interface BazelResult {
  readonly exitCode: number | null
  /** stdout and stderr as they arrived (Bazel writes almost everything to stderr). */
  readonly output: string
}

export interface BazelBuildResult extends BazelResult, BazelSummary {
  /** SHA-256 (hex) of every file under bazel-bin, keyed by its path below bazel-bin. */
  readonly outputs: Readonly<Record<string, string>>
}

/** The fixture's targets and the files they write below bazel-bin. */
export const fixtureTargets = ["//:greeting", "//:shout", "//:blob"] as const
export const fixtureOutputs = ["blob.bin", "greeting.txt", "shout.txt"] as const

/** `url` with `user:password@` in it, for Bazel's Basic auth (Hoard reads the password as the token). */
export const withBasicAuth = (url: string, password: string, user = "hoard"): string => {
  const parsed = new URL(url)
  parsed.username = user
  parsed.password = password
  return parsed.toString().replace(/\/$/u, "")
}

/**
 * Builds `targets` against a remote cache. `--incompatible_strict_action_env`
 * keeps the caller's PATH out of the action keys (genrules would hash it
 * otherwise), so keys are the same from any shell or test runner. A remote
 * failure (4xx/5xx, wrong digest) is only a warning: Bazel builds locally and
 * still exits 0, so check `remoteCacheHits` and `remoteCacheWarnings`.
 */
export const build = async (
  workspace: BazelWorkspace,
  remote: BazelRemote,
  targets: ReadonlyArray<string> = fixtureTargets,
  timeoutMillis = 180_000
): Promise<BazelBuildResult> => {
  const flags = [
    "--color=no",
    "--curses=no",
    "--incompatible_strict_action_env",
    `--remote_cache=${remote.url}`,
    ...Object.entries(remote.headers ?? {}).map(([name, value]) => `--remote_header=${name}=${value}`),
    ...(remote.upload === false ? ["--remote_upload_local_results=false"] : [])
  ]
  const result = await runBazel(workspace, ["build", ...flags, "--", ...targets], timeoutMillis)
  return { ...result, ...parseBazelOutput(result.output), outputs: await digestBazelBin(workspace) }
}

/**
 * `bazel clean --expunge`: deletes the whole output base, local action cache
 * included, so the next build can only be fast through the remote cache.
 */
export const expunge = async (workspace: BazelWorkspace, timeoutMillis = 120_000): Promise<BazelResult> => {
  const result = await runBazel(workspace, ["clean", "--expunge", "--color=no", "--curses=no"], timeoutMillis)
  if (result.exitCode !== 0) throw new Error(`bazel clean --expunge failed (${result.exitCode}):\n${result.output}`)
  return result
}

/** Runs the real bazel in the workspace with its startup flags, its environment and a hard timeout. */
export const runBazel = (
  workspace: BazelWorkspace,
  args: ReadonlyArray<string>,
  timeoutMillis = 180_000
): Promise<BazelResult> => {
  const bazel = findBazel()
  if (bazel === undefined) return Promise.reject(new Error("bazel is not on the PATH: run scripts/install-bazel.sh"))
  return runClient(bazel, [...bazelStartupFlags(workspace), ...args], { cwd: workspace.dir, env: bazelEnv(workspace), timeoutMillis })
}

/** SHA-256 of every regular file below the workspace's bazel-bin; empty before the first build. */
export const digestBazelBin = async (workspace: BazelWorkspace): Promise<Record<string, string>> => {
  const bin = await realpath(join(workspace.dir, "bazel-bin")).catch(() => undefined)
  if (bin === undefined) return {}
  const entries = await readdir(bin, { recursive: true, withFileTypes: true })
  const digests: Record<string, string> = {}
  for (const entry of entries.filter((each) => each.isFile())) {
    const file = join(entry.parentPath, entry.name)
    digests[relative(bin, file)] = createHash("sha256").update(await readFile(file)).digest("hex")
  }
  return Object.fromEntries(Object.entries(digests).sort(([a], [b]) => a.localeCompare(b)))
}
