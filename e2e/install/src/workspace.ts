import { execFile } from "node:child_process"
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const run = promisify(execFile)

export const workspaceRoot = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * Builds and packs every public package with `scripts/pack.sh` (as
 * `npm publish` would ship them) into `directory`; returns the tarballs' paths.
 */
export const packPublicPackages = async (directory: string): Promise<ReadonlyArray<string>> => {
  await run("bash", [join(workspaceRoot, "scripts/pack.sh"), directory], { cwd: workspaceRoot, maxBuffer: 16 * 1024 * 1024 })
  const tarballs = (await readdir(directory)).filter((name) => name.endsWith(".tgz")).sort()
  return tarballs.map((name) => join(directory, name))
}

/** The version a workspace package.json pins for `dependency`, so the installed apps use what the repository tests. */
export const workspaceVersionOf = async (packageJson: string, dependency: string): Promise<string> => {
  const json = JSON.parse(await readFile(join(workspaceRoot, packageJson), "utf8")) as {
    readonly dependencies?: Record<string, string>
    readonly devDependencies?: Record<string, string>
  }
  const version = json.dependencies?.[dependency] ?? json.devDependencies?.[dependency]
  if (version === undefined) throw new Error(`${packageJson} does not depend on ${dependency}`)
  return version
}
