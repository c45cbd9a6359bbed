import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join, relative } from "node:path"
import { fixturePackages } from "./fixtureRepo.ts"

/** SHA-256 (hex) of every file under each package's `dist/`, keyed by repo-relative path. */
export const digestBuildOutputs = async (repoDir: string): Promise<Record<string, string>> => {
  const digests: Record<string, string> = {}
  for (const name of fixturePackages) {
    const dist = join(repoDir, "packages", name, "dist")
    for (const file of await listFiles(dist)) {
      digests[relative(repoDir, file)] = createHash("sha256").update(await readFile(file)).digest("hex")
    }
  }
  return digests
}

/** Every regular file below `dir`, recursively; empty when `dir` does not exist. */
export const listFiles = async (dir: string): Promise<ReadonlyArray<string>> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return []
    throw error
  })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)).sort()
}
