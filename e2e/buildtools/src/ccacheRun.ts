import { runClient } from "./clientProcess.ts"
import { createHash } from "node:crypto"
import { mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { basename, join } from "node:path"
import type { CcacheLayout } from "./ccacheKey.ts"
import { findOnPath } from "./ccacheProject.ts"
import type { CcacheProject } from "./ccacheProject.ts"
import { parsePrintStats } from "./ccacheStats.ts"
import type { CcacheStats } from "./ccacheStats.ts"

export { createCcacheProject } from "./ccacheProject.ts"
export type { CcacheProject } from "./ccacheProject.ts"
export type { CcacheStats } from "./ccacheStats.ts"

/**
 * How ccache authenticates. `basic` goes into the URL's user-info
 * (`http://<user>:<token>@host/…`): ccache percent-decodes it and sends
 * `Authorization: Basic` on every request. `bearer` becomes the
 * `|bearer-token=<token>` attribute: `Authorization: Bearer <token>`.
 */
export type CcacheAuth = { readonly basic: string; readonly user?: string } | { readonly bearer: string }

export interface CcacheRemote {
  /**
   * The storage URL without credentials, e.g. `http://127.0.0.1:<port>/ccache/<team>`.
   * ccache appends `/` (unless the path ends with one) and the entry path.
   * Plain http only: ccache 4.7 has no HTTPS.
   */
  readonly url: string
  /** The `layout` attribute; omitted, ccache uses its default (`subdirs`) and none is sent. */
  readonly layout?: CcacheLayout
  /** Omitted: no Authorization header at all. */
  readonly auth?: CcacheAuth
  /**
   * More `|key=value` attributes, e.g. `{ "operation-timeout": "30000" }`
   * (ms, 1..60000; default 10000) or `{ "connect-timeout": "1000" }` (default 100).
   */
  readonly attributes?: Readonly<Record<string, string>>
}

export interface CompileOptions {
  /**
   * ccache's `reshare`: a local hit is also offered to the remote storage, as
   * `HEAD` and, unless that answers 2xx, `PUT`. The only way ccache 4.7 sends HEAD.
   */
  readonly reshare?: boolean
  /** Per compile; ccache itself waits at most its operation timeout per request. */
  readonly timeoutMillis?: number
}

export interface CcacheCompileResult {
  /** SHA-256 (hex) of every object file, keyed by its name (`names.o`), sorted. */
  readonly objects: Readonly<Record<string, string>>
  /** The counters of this compileAll alone (they are zeroed first). */
  readonly stats: CcacheStats
  /** ccache's debug log of this compileAll: the HTTP failures it swallowed are here. */
  readonly log: string
}

interface ProcessResult {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Percent-encodes what ccache's attribute syntax reserves (`%`, `|`, whitespace). */
const encodeAttribute = (value: string): string =>
  value.replace(/[%|\s]/gu, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`)

/** The `remote_storage` value for `remote`: the URL (with Basic user-info) and its `|attributes`. */
export const remoteStorageSetting = (remote: CcacheRemote): string => {
  const url = new URL(remote.url)
  const attributes: Array<[string, string]> = []
  if (remote.auth !== undefined && "basic" in remote.auth) {
    url.username = remote.auth.user ?? "hoard"
    url.password = remote.auth.basic
  } else if (remote.auth !== undefined) {
    attributes.push(["bearer-token", remote.auth.bearer])
  }
  if (remote.layout !== undefined) attributes.push(["layout", remote.layout])
  attributes.push(...Object.entries(remote.attributes ?? {}))
  const base = url.toString().replace(/\/$/u, "")
  return [base, ...attributes.map(([key, value]) => `${key}=${encodeAttribute(value)}`)].join("|")
}

/**
 * The project's whole configuration. CCACHE_CONFIGPATH points here, so no
 * system or user config is read. `hash_dir = false` keeps the project
 * directory out of the keys even if someone adds `-g`.
 */
const writeConfig = (project: CcacheProject, remote: CcacheRemote, options: CompileOptions): Promise<void> =>
  writeFile(
    project.configPath,
    [
      `remote_storage = ${remoteStorageSetting(remote)}`,
      `reshare = ${options.reshare === true ? "true" : "false"}`,
      "hash_dir = false",
      `log_file = ${project.logPath}`,
      ""
    ].join("\n")
  )

/**
 * Compiles every fixture source with `ccache gcc -c`, one ccache process per
 * file as a build would, against `remote`. A remote failure never fails a
 * compile (ccache logs it, counts `remote_storage_error` and compiles
 * locally), so check `stats`; a failing compile throws.
 */
export const compileAll = async (
  project: CcacheProject,
  remote: CcacheRemote,
  options: CompileOptions = {}
): Promise<CcacheCompileResult> => {
  const gcc = findOnPath("gcc")
  if (gcc === undefined) throw new Error("gcc is not on the PATH")
  await writeConfig(project, remote, options)
  await rm(project.logPath, { force: true })
  await rm(project.outDir, { recursive: true, force: true })
  await mkdir(project.outDir)
  await ccacheOrThrow(project, ["--zero-stats"])

  const objects: Record<string, string> = {}
  for (const source of project.sources) {
    const object = join("out", `${basename(source, ".c")}.o`)
    const result = await runCcache(project, [gcc, "-O2", "-Wall", "-c", source, "-o", object], options.timeoutMillis)
    if (result.exitCode !== 0) {
      throw new Error(`ccache gcc -c ${source} failed (${result.exitCode}):\n${result.stderr}\n${await readLog(project)}`)
    }
    objects[basename(object)] = createHash("sha256").update(await readFile(join(project.dir, object))).digest("hex")
  }
  const stats = parsePrintStats((await ccacheOrThrow(project, ["--print-stats"])).stdout)
  return { objects, stats, log: await readLog(project) }
}

/**
 * `ccache --clear` (the local CCACHE_DIR only: it sends nothing to the remote
 * storage) and deletes the objects, so the next compileAll can only hit remotely.
 */
export const clearLocalCache = async (project: CcacheProject): Promise<void> => {
  await ccacheOrThrow(project, ["--clear"])
  await rm(project.outDir, { recursive: true, force: true })
}

const readLog = (project: CcacheProject): Promise<string> => readFile(project.logPath, "utf8").catch(() => "")

const ccacheOrThrow = async (project: CcacheProject, args: ReadonlyArray<string>): Promise<ProcessResult> => {
  const result = await runCcache(project, args)
  if (result.exitCode !== 0) throw new Error(`ccache ${args.join(" ")} failed (${result.exitCode}):\n${result.stderr}`)
  return result
}

/**
 * Runs the real ccache in the project with an environment built from scratch
 * (PATH, the throwaway HOME, CCACHE_DIR, CCACHE_CONFIGPATH, LC_ALL=C): no
 * inherited CCACHE_* variable can change the config or the keys.
 */
export const runCcache = (
  project: CcacheProject,
  args: ReadonlyArray<string>,
  timeoutMillis = 60_000
): Promise<ProcessResult> => {
  const ccache = findOnPath("ccache")
  if (ccache === undefined) return Promise.reject(new Error("ccache is not on the PATH: run scripts/install-ccache.sh"))
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: project.home,
    LC_ALL: "C",
    CCACHE_DIR: project.ccacheDir,
    CCACHE_CONFIGPATH: project.configPath
  }
  return runClient(ccache, args, { cwd: project.dir, env, timeoutMillis })
}
