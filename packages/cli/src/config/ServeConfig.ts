import { resolve } from "node:path"
import { Effect } from "effect"
import type { JwtConfig, TeamConfig, TokenConfig } from "@hoard/core"
import { parseByteSize } from "@hoard/core"
import type { AccessFile, ConfigFile } from "./ConfigFile.ts"
import { ConfigError } from "./ConfigError.ts"
import { checkAccess } from "./accessChecks.ts"
import type { SourcedToken } from "./accessChecks.ts"

export type LogLevel = "debug" | "info" | "warn" | "error"

/** Settings given on the command line; `undefined` when the flag was absent. */
export interface ServeFlags {
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly basePath?: string | undefined
  readonly storage?: string | undefined
  readonly dataDir?: string | undefined
  readonly index?: string | undefined
  readonly tokens: ReadonlyArray<string>
  readonly maxArtifactSize?: string | undefined
  readonly logLevel?: string | undefined
  /** `--access <file>`: read by `loadServeConfig`, not here. */
  readonly access?: string | undefined
}

/** Where the config and access files were read from (for messages), and the access file's content. */
export interface ConfigSources {
  readonly configPath?: string | undefined
  readonly access?: { readonly path: string; readonly file: AccessFile } | undefined
}

/** The settings `hoard serve` runs with, after flags, env and config files are merged. */
export interface ServeConfig {
  readonly port: number
  readonly host: string
  readonly basePath: string
  /** `memory`, `memory:<size>`, a directory, or a cloud URL. */
  readonly storage: string
  readonly dataDir: string
  /** `sqlite:<path>` or a `postgres://` URL (a secret: never print it whole). */
  readonly index: string
  /** The configured teams; empty when every team name is its own namespace. */
  readonly teams: ReadonlyArray<TeamConfig>
  /**
   * Every accepted token, team-bound (plain ones may use every team:
   * `{"*": "admin"}`). Empty when none was configured: unless a JWT is,
   * one is then generated and kept in the data dir.
   */
  readonly tokens: ReadonlyArray<TokenConfig>
  readonly jwt?: JwtConfig | undefined
  readonly maxArtifactBytes: number
  readonly logLevel: LogLevel
  readonly downloadUrlTtlSeconds?: number | undefined
  readonly downloadUrlSecret?: string | undefined
  /** The URL clients reach Hoard at (base path included), when it differs from the listening address. */
  readonly publicUrl?: string | undefined
}

export const defaults = {
  port: 3000,
  host: "127.0.0.1",
  dataDir: ".hoard",
  maxArtifactSize: "2GiB",
  logLevel: "info"
} as const

const logLevels: ReadonlyArray<LogLevel> = ["debug", "info", "warn", "error"]

const describeFile = (path: string | undefined, kind: string) => path ?? `the ${kind}`

/**
 * Merges the sources, first found wins: flags, then `HOARD_*` env vars, then
 * the config file (and the access file), then defaults. `teams`, `tokens` and
 * `jwt` may each come from the config file or the access file, not both.
 */
export const resolveServeConfig = (
  flags: ServeFlags,
  env: Record<string, string | undefined>,
  file: ConfigFile,
  sources: ConfigSources = {}
): Effect.Effect<ServeConfig, ConfigError> =>
  Effect.gen(function*() {
    const envPort = env["HOARD_PORT"]
    const port = flags.port ?? (envPort === undefined ? undefined : Number(envPort)) ?? file.port ?? defaults.port
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return yield* new ConfigError({ message: `invalid port ${envPort ?? port}: expected an integer from 0 to 65535` })
    }

    const sizeInput = flags.maxArtifactSize ?? env["HOARD_MAX_ARTIFACT_SIZE"] ?? file.maxArtifactSize ?? defaults.maxArtifactSize
    const maxArtifactBytes = typeof sizeInput === "number" ? sizeInput : parseByteSize(sizeInput)
    if (maxArtifactBytes === undefined) {
      return yield* new ConfigError({ message: `invalid max artifact size "${sizeInput}": use bytes or a unit, e.g. 500MB or 2GiB` })
    }

    const logLevel = flags.logLevel ?? env["HOARD_LOG_LEVEL"] ?? file.logLevel ?? defaults.logLevel
    if (!logLevels.includes(logLevel as LogLevel)) {
      return yield* new ConfigError({ message: `invalid log level "${logLevel}": use one of ${logLevels.join(", ")}` })
    }

    // teams, tokens and jwt: from the config file or the access file, never both.
    const configName = describeFile(sources.configPath, "config file")
    const access = sources.access
    for (const key of ["teams", "tokens", "jwt"] as const) {
      if (access !== undefined && file[key] !== undefined && access.file[key] !== undefined) {
        return yield* new ConfigError({
          message: `${key} are configured in both ${configName} and the access file ${access.path}: keep them in one file`
        })
      }
    }
    const teamsFrom = file.teams !== undefined ? configName : access?.path
    const teams = file.teams ?? access?.file.teams ?? []

    const plain = (secrets: ReadonlyArray<string>, source: string): ReadonlyArray<SourcedToken> =>
      [...new Set(secrets)].map((token, index) => ({ entry: token, where: `${source} #${index + 1}` }))
    const envTokens = (env["HOARD_TOKENS"] ?? env["HOARD_TOKEN"] ?? "").split(",").map((token) => token.trim()).filter(Boolean)
    const fromFile = (entries: ConfigFile["tokens"], path: string): ReadonlyArray<SourcedToken> =>
      (entries ?? []).map((entry, index) => ({ entry, where: `tokens[${index}] in ${path}` }))
    const tokenEntries = flags.tokens.length > 0
      ? plain(flags.tokens, "--token")
      : envTokens.length > 0
      ? plain(envTokens, "HOARD_TOKENS")
      : file.tokens !== undefined
      ? fromFile(file.tokens, configName)
      : fromFile(access?.file.tokens, access?.path ?? "")
    const tokens = yield* checkAccess({ teams, teamsFrom: teamsFrom ?? "", tokens: tokenEntries })

    const ttlInput = env["HOARD_DOWNLOAD_URL_TTL"]
    const downloadUrlTtlSeconds = ttlInput === undefined ? file.downloadUrlTtl : Number(ttlInput)
    if (downloadUrlTtlSeconds !== undefined && !(Number.isInteger(downloadUrlTtlSeconds) && downloadUrlTtlSeconds > 0)) {
      return yield* new ConfigError({ message: `invalid HOARD_DOWNLOAD_URL_TTL ${ttlInput}: expected a whole number of seconds above 0` })
    }
    const downloadUrlSecret = env["HOARD_DOWNLOAD_URL_SECRET"] || file.downloadUrlSecret
    if (downloadUrlSecret !== undefined && downloadUrlSecret.length < 32) {
      return yield* new ConfigError({ message: "invalid HOARD_DOWNLOAD_URL_SECRET: a download URL secret is at least 32 characters" })
    }
    const publicUrl = env["HOARD_PUBLIC_URL"] || file.publicUrl
    if (publicUrl !== undefined && !/^https?:\/\/[^/]/u.test(publicUrl)) {
      return yield* new ConfigError({ message: `invalid public URL "${publicUrl}": expected http(s)://host[:port][/base-path]` })
    }

    const dataDir = resolve(flags.dataDir ?? env["HOARD_DATA_DIR"] ?? file.dataDir ?? defaults.dataDir)
    const jwt = file.jwt ?? access?.file.jwt
    return {
      port,
      host: flags.host ?? env["HOARD_HOST"] ?? file.host ?? defaults.host,
      basePath: flags.basePath ?? env["HOARD_BASE_PATH"] ?? file.basePath ?? "",
      storage: flags.storage ?? env["HOARD_STORAGE"] ?? file.storage ?? resolve(dataDir, "artifacts"),
      dataDir,
      index: flags.index ?? env["HOARD_INDEX"] ?? file.index ?? `sqlite:${resolve(dataDir, "hoard.db")}`,
      teams,
      tokens,
      ...(jwt !== undefined && { jwt }),
      maxArtifactBytes,
      logLevel: logLevel as LogLevel,
      ...(downloadUrlTtlSeconds !== undefined && { downloadUrlTtlSeconds }),
      ...(downloadUrlSecret !== undefined && { downloadUrlSecret }),
      ...(publicUrl !== undefined && { publicUrl: publicUrl.replace(/\/+$/u, "") })
    }
  })
