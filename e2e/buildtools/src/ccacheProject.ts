import { existsSync } from "node:fs"
import { cp, mkdir, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { fileURLToPath } from "node:url"

const fixtureDir = fileURLToPath(new URL("../fixtures/ccache", import.meta.url))

export interface CcacheProject {
  /** The project root (a fresh copy of fixtures/ccache); compiles run here with relative paths. */
  readonly dir: string
  /** The translation units, relative to `dir` (e.g. `src/names.c`), sorted. */
  readonly sources: ReadonlyArray<string>
  /** Where the objects go, `<dir>/out`. */
  readonly outDir: string
  /** CCACHE_DIR: this project's local cache, nothing shared with ~/.cache/ccache. */
  readonly ccacheDir: string
  /** CCACHE_CONFIGPATH: the only config file ccache reads (no /etc/ccache.conf, no user config). */
  readonly configPath: string
  /** ccache's `log_file`, rewritten by every compileAll. */
  readonly logPath: string
  /** A throwaway HOME for ccache and gcc. */
  readonly home: string
  readonly cleanup: () => Promise<void>
}

/** `name` on the PATH, or undefined. */
export const findOnPath = (name: string): string | undefined => {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const candidate = join(dir, name)
    if (dir !== "" && existsSync(candidate)) return candidate
  }
  return undefined
}

/**
 * Copies the fixture into a fresh temp dir with its own cache dir, config
 * file and HOME. Two projects made this way have the same ccache keys: the
 * compiles use paths relative to the project root, the environment is built
 * from scratch, and the config sets `hash_dir = false`, so the temp dir's
 * name never enters a key. One project can therefore read what another
 * uploaded, like two CI machines.
 */
export const createCcacheProject = async (): Promise<CcacheProject> => {
  const root = await mkdtemp(join(tmpdir(), "hoard-e2e-ccache-"))
  const dir = join(root, "project")
  const home = join(root, "home")
  const ccacheDir = join(root, "ccache-dir")
  await Promise.all([mkdir(home), mkdir(ccacheDir)])
  await cp(fixtureDir, dir, { recursive: true, filter: (source) => !/[/\\]out$/u.test(source) })
  const sources = (await readdir(join(dir, "src")))
    .filter((name) => name.endsWith(".c"))
    .sort()
    .map((name) => `src/${name}`)
  return {
    dir,
    sources,
    outDir: join(dir, "out"),
    ccacheDir,
    configPath: join(root, "ccache.conf"),
    logPath: join(root, "ccache.log"),
    home,
    cleanup: () => rm(root, { recursive: true, force: true })
  }
}
