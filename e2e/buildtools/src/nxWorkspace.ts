import { createHash } from "node:crypto"
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { basename, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { nxCliPath, nxPackageDir } from "./nxPackage.ts"

const fixtureDir = fileURLToPath(new URL("../fixtures/nx", import.meta.url))

/** The fixture's projects; `app:build` depends on `lib:build`, each writes `dist/<project>/`. */
export const nxFixtureProjects = ["lib", "app"] as const

/** Build or cache state of a stray local run in the fixture, never copied. */
const stateDirs = new Set(["node_modules", "dist", ".nx"])

export interface NxWorkspace {
  /** The workspace root (a fresh copy of fixtures/nx). */
  readonly dir: string
  /** Nx's local cache (`NX_CACHE_DIRECTORY`); `run.json`, the last run's summary, is written here. */
  readonly cacheDir: string
  /** Nx's project-graph and file-hash state (`NX_WORKSPACE_DATA_DIRECTORY`). */
  readonly workspaceDataDir: string
  /**
   * A throwaway HOME, TMPDIR and socket directory. Without NX_SOCKET_DIR, Nx
   * puts plugin-worker sockets (and, unless disabled, its V8 compile cache and
   * a 28 MB copy of its native binding) under a literal `/tmp/.nx/<uid>`.
   */
  readonly home: string
  readonly tmp: string
  readonly socketDir: string
  /** `node_modules/nx/dist/bin/nx.js` in the workspace (through the symlink). */
  readonly cli: string
  /** Deletes the whole temp root. */
  readonly cleanup: () => Promise<void>
}

export interface NxWorkspaceOptions {
  /**
   * Written to `packages/lib/salt.txt`, an input of both tasks, so the task
   * hashes differ from any other workspace's. Without it every workspace made
   * here has the same two hashes (the workspace path does not enter them), so
   * one can restore what another uploaded.
   */
  readonly salt?: string
  /** The nx package to link; default the e2e package's own devDependency. Only for probing other installs. */
  readonly nxPackageDir?: string
}

/**
 * Copies the fixture into a fresh temp dir and links `node_modules/nx` to the
 * installed nx package (no install, no network). The workspace has no git
 * repository: Nx hashes the files itself.
 */
export const createNxWorkspace = async (options: NxWorkspaceOptions = {}): Promise<NxWorkspace> => {
  const root = await mkdtemp(join(tmpdir(), "hoard-e2e-nx-"))
  const dir = join(root, "workspace")
  const home = join(root, "home")
  const tmp = join(root, "tmp")
  const socketDir = join(root, "sockets")
  // Nx refuses a socket directory other users can reach.
  for (const privateDir of [home, tmp, socketDir]) await mkdir(privateDir, { mode: 0o700 })
  await cp(fixtureDir, dir, { recursive: true, filter: (source) => !stateDirs.has(basename(source)) })
  await mkdir(join(dir, "node_modules"))
  await symlink(options.nxPackageDir ?? nxPackageDir(), join(dir, "node_modules", "nx"), "dir")
  if (options.salt !== undefined) await writeFile(join(dir, "packages", "lib", "salt.txt"), `${options.salt}\n`)
  return {
    dir,
    cacheDir: join(dir, ".nx", "cache"),
    workspaceDataDir: join(dir, ".nx", "workspace-data"),
    home,
    tmp,
    socketDir,
    cli: nxCliPath(join(dir, "node_modules", "nx")),
    cleanup: () => rm(root, { recursive: true, force: true })
  }
}

/**
 * Deletes the build outputs and all of Nx's local state (cache and workspace
 * data), which is what `nx reset` removes when no daemon runs, so the next run
 * can only be helped by the remote cache. Done directly: `nx reset` would also
 * sweep Nx's temp-install directories.
 */
export const wipeLocalState = async (workspace: NxWorkspace): Promise<void> => {
  await rm(join(workspace.dir, "dist"), { recursive: true, force: true })
  // Holds both cacheDir and workspaceDataDir.
  await rm(join(workspace.dir, ".nx"), { recursive: true, force: true })
}

/** SHA-256 (hex) of every file under `dist/`, keyed by workspace-relative path (`dist/lib/lib.txt`), sorted. */
export const outputDigests = async (workspace: NxWorkspace): Promise<Record<string, string>> => {
  const dist = join(workspace.dir, "dist")
  const entries = await readdir(dist, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return []
    throw error
  })
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)).sort()
  const digests: Record<string, string> = {}
  for (const file of files) {
    digests[relative(workspace.dir, file)] = createHash("sha256").update(await readFile(file)).digest("hex")
  }
  return digests
}
