import { runClient } from "./clientProcess.ts"
import { rm } from "node:fs/promises"
import { delimiter, dirname } from "node:path"
import { readRunSummary, runSummaryPath } from "./nxRunSummary.ts"
import type { NxTaskResult } from "./nxRunSummary.ts"
import type { NxWorkspace } from "./nxWorkspace.ts"

export { nxPackageDir, nxVersion } from "./nxPackage.ts"
export { readRunSummary } from "./nxRunSummary.ts"
export type { NxTaskCache, NxTaskResult } from "./nxRunSummary.ts"
export { createNxWorkspace, nxFixtureProjects, outputDigests, wipeLocalState } from "./nxWorkspace.ts"
export type { NxWorkspace, NxWorkspaceOptions } from "./nxWorkspace.ts"

export interface NxRemote {
  /**
   * NX_SELF_HOSTED_REMOTE_CACHE_SERVER, used exactly as given: Nx appends
   * `/v1/cache/<hash>`, so a trailing slash gives `…//v1/cache/<hash>`.
   */
  readonly url: string
  /** NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN (`Authorization: Bearer <token>`); omitted, no Authorization header. */
  readonly token?: string
}

export interface NxRunOptions {
  /** Added last, e.g. `{ NX_SKIP_REMOTE_CACHE: "true" }`. */
  readonly env?: Readonly<Record<string, string>>
  /**
   * Default 120 s. Nx 24 itself has no HTTP timeouts, and a failed PUT is
   * tried six times with random exponential backoff (up to about 20 s) before
   * the task fails.
   */
  readonly timeoutMillis?: number
}

export interface NxRunResult {
  readonly exitCode: number | null
  /** stdout and stderr together, in order. Remote hits read `nx run lib:build  [remote cache]`. */
  readonly output: string
  /** One per task that ended, from `run.json`; empty when the run died first (e.g. a remote GET got a 500). */
  readonly tasks: ReadonlyArray<NxTaskResult>
}

/** Both build tasks; static output style prints each task's (replayed) output under its header. */
export const buildAllArgs: ReadonlyArray<string> = ["run-many", "--targets=build", "--output-style=static"]

/**
 * The whole environment of an nx run, built from scratch: PATH (with this
 * node first, for the tasks' `node …` commands), the workspace's throwaway
 * HOME/TMPDIR/socket dir, no daemon, no Nx Cloud, no TUI or colour, local
 * cache and workspace data inside the workspace, the native binding loaded in
 * place (not copied to /tmp/.nx), no V8 compile cache, and the remote cache.
 * NX_SKIP_NX_CACHE and NX_SKIP_REMOTE_CACHE stay unset.
 */
export const nxEnv = (workspace: NxWorkspace, remote: NxRemote): Record<string, string> => ({
  PATH: [dirname(process.execPath), process.env["PATH"] ?? "/usr/bin:/bin"].join(delimiter),
  HOME: workspace.home,
  TMPDIR: workspace.tmp,
  NX_SOCKET_DIR: workspace.socketDir,
  NX_CACHE_DIRECTORY: workspace.cacheDir,
  NX_WORKSPACE_DATA_DIRECTORY: workspace.workspaceDataDir,
  NX_DAEMON: "false",
  NX_NO_CLOUD: "true",
  NX_TUI: "false",
  NX_SKIP_NATIVE_FILE_CACHE: "true",
  NX_COMPILE_CACHE: "false",
  NO_COLOR: "1",
  NX_SELF_HOSTED_REMOTE_CACHE_SERVER: remote.url,
  ...(remote.token === undefined ? {} : { NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: remote.token })
})

/**
 * Runs the real nx CLI in `workspace` against a self-hosted remote cache.
 * `run.json` is removed first, so `tasks` always describes this run. Nx is
 * started in its own process group, which a timeout kills as a whole (Nx
 * forks plugin workers and task processes).
 */
export const runNx = async (
  workspace: NxWorkspace,
  remote: NxRemote,
  args: ReadonlyArray<string> = buildAllArgs,
  options: NxRunOptions = {}
): Promise<NxRunResult> => {
  await rm(runSummaryPath(workspace.cacheDir), { force: true })
  const env = { ...nxEnv(workspace, remote), ...options.env }
  const timeoutMillis = options.timeoutMillis ?? 120_000
  const { exitCode, output } = await runClient(process.execPath, [workspace.cli, ...args], { cwd: workspace.dir, env, timeoutMillis })
  return { exitCode, output, tasks: await readRunSummary(workspace.cacheDir) }
}
