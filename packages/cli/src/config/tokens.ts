import { randomBytes } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect } from "effect"
import type { TokenConfig } from "@hoard/core"
import { allTeams } from "@hoard/core"
import { ConfigError } from "@hoard/core"
import type { ServeConfig } from "./ServeConfig.ts"

export interface ResolvedTokens {
  readonly tokens: ReadonlyArray<TokenConfig>
  /** Set when no token (and no JWT) was configured and the one kept in the data dir is used. */
  readonly generatedFile?: string
  /** That token, for the banner. */
  readonly generatedToken?: string
}

/**
 * The configured tokens or, when neither a token nor a JWT is configured, the
 * server's own token (for every team): read from `<dataDir>/token`, created
 * there (mode 0600) on first start.
 */
export const resolveTokens = (
  config: Pick<ServeConfig, "tokens" | "jwt" | "dataDir">
): Effect.Effect<ResolvedTokens, ConfigError> => {
  const { dataDir, jwt, tokens } = config
  if (tokens.length > 0 || jwt !== undefined) return Effect.succeed({ tokens })
  return Effect.tryPromise({
    try: async (): Promise<ResolvedTokens> => {
      const file = join(dataDir, "token")
      const generated = (token: string): ResolvedTokens => ({
        tokens: [{ name: "generated", token, teams: allTeams }],
        generatedFile: file,
        generatedToken: token
      })
      const existing = await readFile(file, "utf8").then((text) => text.trim(), () => "")
      if (existing !== "") return generated(existing)
      const token = randomBytes(32).toString("base64url")
      await mkdir(dataDir, { recursive: true })
      await writeFile(file, `${token}\n`, { mode: 0o600, flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error
      })
      return generated((await readFile(file, "utf8")).trim())
    },
    catch: (error) => new ConfigError({ path: "dataDir", message: `cannot keep a token in ${dataDir}: ${(error as Error).message}` })
  })
}
