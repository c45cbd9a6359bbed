import { resolve } from "node:path"
import { Effect } from "effect"
import type { StaticToken } from "@hoard/core"
import { parseByteSize } from "@hoard/core"
import type { ConfigFile } from "./ConfigFile.ts"
import { ConfigError } from "./ConfigError.ts"

export type LogLevel = "debug" | "info" | "warn" | "error"

/** Settings given on the command line; `undefined` when the flag was absent. */
export interface ServeFlags {
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly basePath?: string | undefined
  readonly storage?: string | undefined
  readonly dataDir?: string | undefined
  readonly tokens: ReadonlyArray<string>
  readonly maxArtifactSize?: string | undefined
  readonly logLevel?: string | undefined
}

/** The settings `hoard serve` runs with, after flags, env and config file are merged. */
export interface ServeConfig {
  readonly port: number
  readonly host: string
  readonly basePath: string
  /** `memory`, `memory:<size>`, a directory, or a cloud URL. */
  readonly storage: string
  readonly dataDir: string
  /** Empty when none was configured: one is then generated and kept in the data dir. */
  readonly tokens: ReadonlyArray<StaticToken>
  readonly maxArtifactBytes: number
  readonly logLevel: LogLevel
}

export const defaults = {
  port: 3000,
  host: "127.0.0.1",
  dataDir: ".hoard",
  maxArtifactSize: "2GiB",
  logLevel: "info"
} as const

const logLevels: ReadonlyArray<LogLevel> = ["debug", "info", "warn", "error"]

/** Merges the sources, first found wins: flags, then `HOARD_*` env vars, then the config file, then defaults. */
export const resolveServeConfig = (
  flags: ServeFlags,
  env: Record<string, string | undefined>,
  file: ConfigFile
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

    const envTokens = (env["HOARD_TOKENS"] ?? env["HOARD_TOKEN"] ?? "").split(",").map((token) => token.trim()).filter(Boolean)
    const tokens: ReadonlyArray<StaticToken> = flags.tokens.length > 0
      ? flags.tokens.map((token) => ({ token }))
      : envTokens.length > 0
      ? envTokens.map((token) => ({ token }))
      : (file.tokens ?? []).map((token) => typeof token === "string" ? { token } : token)

    const dataDir = resolve(flags.dataDir ?? env["HOARD_DATA_DIR"] ?? file.dataDir ?? defaults.dataDir)
    return {
      port,
      host: flags.host ?? env["HOARD_HOST"] ?? file.host ?? defaults.host,
      basePath: flags.basePath ?? env["HOARD_BASE_PATH"] ?? file.basePath ?? "",
      storage: flags.storage ?? env["HOARD_STORAGE"] ?? file.storage ?? resolve(dataDir, "artifacts"),
      dataDir,
      tokens,
      maxArtifactBytes,
      logLevel: logLevel as LogLevel
    }
  })
