import { execFile } from "node:child_process"
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const run = promisify(execFile)
const fixtureDir = fileURLToPath(new URL("../fixture", import.meta.url))
const monorepoPackageJson = fileURLToPath(new URL("../../../package.json", import.meta.url))

/** The fixture's workspace packages; each has a `build` task with outputs in `dist/`. */
export const fixturePackages = ["a", "b"] as const

/** Directories that are build or cache state, never part of the fixture. */
const stateDirs = new Set(["node_modules", "dist", ".turbo"])

export interface FixtureRepo {
  /** The repository root. */
  readonly dir: string
  /** A throwaway HOME for turbo (and git) in this repo. */
  readonly home: string
  /** Deletes every build output and turbo's local cache, so only the remote cache can help. */
  readonly wipeLocalState: () => Promise<void>
  readonly cleanup: () => Promise<void>
}

export interface FixtureOptions {
  /** Edits the fixture's turbo.json before the commit, e.g. to turn on signing. */
  readonly turboJson?: (json: Record<string, unknown>) => Record<string, unknown>
}

/**
 * Copies the fixture monorepo into a fresh temp dir and commits it to a new
 * git repository, so turbo hashes files through git and sends x-artifact-sha.
 * The fixture runs its scripts with the monorepo's own pnpm (no network: it has
 * no external dependencies and ships its lockfile).
 */
export const createFixtureRepo = async (options: FixtureOptions = {}): Promise<FixtureRepo> => {
  const root = await mkdtemp(join(tmpdir(), "hoard-e2e-repo-"))
  const dir = join(root, "repo")
  const home = join(root, "home")
  await mkdir(home)
  await cp(fixtureDir, dir, { recursive: true, filter: (source) => !stateDirs.has(basename(source)) })

  // Same pnpm as the one on PATH: a different version would make pnpm try to download it.
  const { packageManager } = JSON.parse(await readFile(monorepoPackageJson, "utf8")) as { packageManager: string }
  await editJson(join(dir, "package.json"), (json) => ({ ...json, packageManager }))
  if (options.turboJson !== undefined) await editJson(join(dir, "turbo.json"), options.turboJson)

  const gitEnv = { PATH: process.env["PATH"] ?? "", HOME: home, GIT_CONFIG_NOSYSTEM: "1" }
  const git = (...args: ReadonlyArray<string>) => run("git", [...args], { cwd: dir, env: gitEnv })
  await git("init", "--quiet", "--initial-branch=main")
  await git("add", "--all")
  await git("-c", "user.name=Hoard E2E", "-c", "user.email=e2e@hoard.invalid", "commit", "--quiet", "--message", "fixture")

  return {
    dir,
    home,
    wipeLocalState: async () => {
      await rm(join(dir, ".turbo", "cache"), { recursive: true, force: true })
      await rm(join(dir, "node_modules", ".cache", "turbo"), { recursive: true, force: true })
      for (const name of fixturePackages) {
        await rm(join(dir, "packages", name, "dist"), { recursive: true, force: true })
        await rm(join(dir, "packages", name, ".turbo"), { recursive: true, force: true })
      }
    },
    cleanup: () => rm(root, { recursive: true, force: true })
  }
}

const editJson = async (
  path: string,
  edit: (json: Record<string, unknown>) => Record<string, unknown>
): Promise<void> => {
  const json = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>
  await writeFile(path, `${JSON.stringify(edit(json), null, 2)}\n`)
}
