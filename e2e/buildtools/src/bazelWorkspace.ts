import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { access, constants, cp, mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const run = promisify(execFile)
const fixtureDir = fileURLToPath(new URL("../fixtures/bazel", import.meta.url))

/**
 * Where Debian's `bazel-bootstrap` keeps the server jar and embedded tools.
 * The package names it only in /etc/bazel/bazelrc (`startup --install_base`),
 * which the runs here do not read, so it is passed explicitly; without it the
 * launcher looks for a zip appended to itself and fails ("Failed to open
 * '/proc/self/exe' as a zip file"). An upstream self-extracting bazel has no
 * such directory and needs no flag.
 */
const debianInstallBase = "/usr/share/bazel"

export interface BazelWorkspace {
  /** The workspace root (a fresh copy of fixtures/bazel). */
  readonly dir: string
  /** `--output_base`: this workspace's whole build state, local cache included. */
  readonly outputBase: string
  /** `--output_user_root`, so nothing lands in the real ~/.cache/bazel. */
  readonly outputUserRoot: string
  /** A throwaway HOME for the client. */
  readonly home: string
  /** Shuts down a Bazel server, should one run for this output base, and deletes everything. */
  readonly cleanup: () => Promise<void>
}

/** The `bazel` on the PATH (scripts/install-bazel.sh installs it), or undefined. */
export const findBazel = (): string | undefined => {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const candidate = join(dir, "bazel")
    if (dir !== "" && existsSync(candidate)) return candidate
  }
  return undefined
}

/**
 * The startup options of every run in `workspace`: no rc file at all (system,
 * home or workspace), `--batch` so no server outlives a command, and output
 * directories inside the workspace's temp root.
 */
export const bazelStartupFlags = (workspace: BazelWorkspace): ReadonlyArray<string> => [
  "--ignore_all_rc_files",
  "--batch",
  ...(existsSync(join(debianInstallBase, "A-server.jar"))
    ? [`--install_base=${debianInstallBase}`, "--trust_install_base"]
    : []),
  `--output_user_root=${workspace.outputUserRoot}`,
  `--output_base=${workspace.outputBase}`
]

/** The environment of every run: PATH to find bash and the JDK, the throwaway HOME, nothing else. */
export const bazelEnv = (workspace: BazelWorkspace): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: workspace.home,
  ...(process.env["JAVA_HOME"] === undefined ? {} : { JAVA_HOME: process.env["JAVA_HOME"] })
})

/**
 * Copies the fixture workspace into a fresh temp dir with its own output root
 * and HOME. Two workspaces made this way have the same action keys (the runs
 * use `--incompatible_strict_action_env`, and paths of the temp dir do not
 * enter the keys), so one can read what the other uploaded.
 */
export const createBazelWorkspace = async (): Promise<BazelWorkspace> => {
  const root = await mkdtemp(join(tmpdir(), "hoard-e2e-bazel-"))
  const dir = join(root, "workspace")
  const home = join(root, "home")
  await mkdir(home)
  // Convenience symlinks (bazel-bin, ...) of a stray local build stay behind.
  await cp(fixtureDir, dir, { recursive: true, filter: (source) => !/[/\\]bazel-[^/\\]*$/u.test(source) })
  const workspace: BazelWorkspace = {
    dir,
    home,
    outputBase: join(root, "output-base"),
    outputUserRoot: join(root, "output-user-root"),
    cleanup: async () => {
      await shutdownServer(workspace)
      // Bazel leaves its output tree read-only; make it deletable for non-root runs.
      await run("chmod", ["-R", "u+w", root]).catch(() => undefined)
      await rm(root, { recursive: true, force: true })
    }
  }
  return workspace
}

/**
 * `--batch` starts no server, but a run without it (e.g. by hand while
 * debugging) leaves one behind, idle for hours: stop it if its pid file exists.
 */
const shutdownServer = async (workspace: BazelWorkspace): Promise<void> => {
  const bazel = findBazel()
  const pidFile = join(workspace.outputBase, "server", "server.pid.txt")
  if (bazel === undefined || !(await access(pidFile, constants.F_OK).then(() => true, () => false))) return
  const startup = bazelStartupFlags(workspace).filter((flag) => flag !== "--batch")
  await run(bazel, [...startup, "shutdown"], { cwd: workspace.dir, env: bazelEnv(workspace), timeout: 60_000 }).catch(
    () => undefined
  )
}
