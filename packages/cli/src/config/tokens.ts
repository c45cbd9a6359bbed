import { randomBytes } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect } from "effect"
import type { StaticToken } from "@hoard/core"
import { ConfigError } from "./ConfigError.ts"

export interface ResolvedTokens {
  readonly tokens: ReadonlyArray<StaticToken>
  /** Set when no token was configured and the one kept in the data dir is used. */
  readonly generatedFile?: string
}

/**
 * The configured tokens, or else the server's own token: read from
 * `<dataDir>/token`, created there (mode 0600) on first start.
 */
export const resolveTokens = (configured: ReadonlyArray<StaticToken>, dataDir: string) =>
  Effect.tryPromise({
    try: async (): Promise<ResolvedTokens> => {
      if (configured.length > 0) return { tokens: configured }
      const file = join(dataDir, "token")
      const existing = await readFile(file, "utf8").then((text) => text.trim(), () => "")
      if (existing !== "") return { tokens: [{ name: "generated", token: existing }], generatedFile: file }
      const token = randomBytes(32).toString("base64url")
      await mkdir(dataDir, { recursive: true })
      await writeFile(file, `${token}\n`, { mode: 0o600, flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error
      })
      const stored = (await readFile(file, "utf8")).trim()
      return { tokens: [{ name: "generated", token: stored }], generatedFile: file }
    },
    catch: (error) => new ConfigError({ message: `cannot keep a token in ${dataDir}: ${(error as Error).message}` })
  })
