import { execFile } from "node:child_process"
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import type { NodeRuntime } from "./nodeRuntime.ts"
import { pathWith } from "./nodeRuntime.ts"

const run = promisify(execFile)

/** The apps and the TypeScript consumer copied into every project. */
const projectFiles = ["apps", "consumer"].map((name) => fileURLToPath(new URL(`../${name}`, import.meta.url)))

export interface InstalledProject {
  /** The project's directory, outside the workspace (no pnpm, no workspace links). */
  readonly dir: string
  readonly node: NodeRuntime
  /** Environment additions that run `node`/`npx` on the project's Node. */
  readonly env: Readonly<Record<string, string>>
  /** Runs a command in the project on its Node; rejects on a non-zero exit. */
  readonly exec: (command: string, args: ReadonlyArray<string>) => Promise<{ readonly stdout: string; readonly stderr: string }>
  readonly cleanup: () => Promise<void>
}

/**
 * A fresh npm project in the system temp directory with `packages` installed
 * by plain `npm install` (tarball paths and registry specs), exactly as a user
 * installs Hoard, with `node` on PATH being `node`.
 */
export const createInstalledProject = async (
  node: NodeRuntime,
  packages: ReadonlyArray<string>
): Promise<InstalledProject> => {
  const dir = await mkdtemp(join(tmpdir(), `hoard-install-node${node.version.split(".")[0]}-`))
  const env = { PATH: pathWith(node) }
  const exec = (command: string, args: ReadonlyArray<string>) =>
    run(command, [...args], { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 })
  try {
    await writeFile(join(dir, "package.json"), `${JSON.stringify({ name: "hoard-install-test", private: true, type: "module" }, null, 2)}\n`)
    for (const source of projectFiles) await cp(source, join(dir, source.split("/").at(-1)!), { recursive: true })
    await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...packages])
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return { dir, node, env, exec, cleanup: () => rm(dir, { recursive: true, force: true }) }
}
