import { createHash, randomBytes } from "node:crypto"
import { readFile, stat } from "node:fs/promises"
import { join, relative } from "node:path"
import { listFiles } from "@hoard/e2e-turbo/outputs"

/** Two random tokens on one team: main-branch CI fills the cache, pull-request CI only reads. */
export const ciTokens = (teamSlug: string) => {
  const secret = (name: string) => `${name}-${randomBytes(16).toString("hex")}`
  return {
    ciWrite: { name: "ci-write", token: secret("ci-write"), teams: { [teamSlug]: "read-write" as const } },
    prRead: { name: "pr-read", token: secret("pr-read"), teams: { [teamSlug]: "read" as const } }
  }
}

/**
 * Every file of a team's namespace in Hoard's fs storage with its size, mtime
 * and SHA-256: what any write would change.
 */
export const teamStorage = async (storageDir: string, teamId: string): Promise<Record<string, string>> => {
  const dir = join(storageDir, teamId)
  const files: Record<string, string> = {}
  for (const file of await listFiles(dir)) {
    const { mtimeMs, size } = await stat(file)
    const sha256 = createHash("sha256").update(await readFile(file)).digest("hex")
    files[relative(dir, file)] = `${size} bytes, mtime ${mtimeMs}, sha256 ${sha256}`
  }
  return files
}
