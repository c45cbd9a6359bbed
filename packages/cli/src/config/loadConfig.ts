import { existsSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { Effect, Option } from "effect"
import type { ConfigError } from "@hoard/core"
import { readAccessFile, readConfigFile } from "./ConfigFile.ts"
import { resolveFilePaths, resolveServeConfig } from "./ServeConfig.ts"
import type { ServeConfig, ServeFlags } from "./ServeConfig.ts"
import { defaults } from "./settings.ts"

/** The default config file, used when present in the working directory. */
export const defaultConfigFile = defaults.configFile

/**
 * Reads the config file (`--config`, `HOARD_CONFIG`, or `./hoard.config.json`
 * when present) and the access file (`--access`, `HOARD_ACCESS`, or the config
 * file's `access`, relative to the config file), then merges every source.
 */
export const loadServeConfig = (
  flags: ServeFlags,
  env: Record<string, string | undefined>
): Effect.Effect<ServeConfig, ConfigError> =>
  Effect.gen(function*() {
    const paths = yield* resolveFilePaths(flags, env)
    const configPath = Option.getOrElse(paths.config, () => existsSync(defaultConfigFile) ? defaultConfigFile : undefined)
    const file = configPath === undefined ? {} : yield* readConfigFile(configPath)
    const accessPath = Option.getOrElse(
      paths.access,
      () => file.access === undefined ? undefined : resolve(dirname(configPath!), file.access)
    )
    const access = accessPath === undefined ? undefined : { path: accessPath, file: yield* readAccessFile(accessPath) }
    return yield* resolveServeConfig(flags, env, file, { configPath, access })
  })
