import { existsSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { Effect } from "effect"
import { readAccessFile, readConfigFile } from "./ConfigFile.ts"
import type { ConfigError } from "./ConfigError.ts"
import { resolveServeConfig } from "./ServeConfig.ts"
import type { ServeConfig, ServeFlags } from "./ServeConfig.ts"

/** The default config file, used when present in the working directory. */
export const defaultConfigFile = "hoard.config.json"

/**
 * Reads the config file (`--config`, `HOARD_CONFIG`, or `./hoard.config.json`
 * when present) and the access file (`--access`, `HOARD_ACCESS`, or the config
 * file's `access`, relative to the config file), then merges every source.
 */
export const loadServeConfig = (
  flags: ServeFlags & { readonly config?: string | undefined },
  env: Record<string, string | undefined>
): Effect.Effect<ServeConfig, ConfigError> =>
  Effect.gen(function*() {
    const configPath = flags.config ?? env["HOARD_CONFIG"] ?? (existsSync(defaultConfigFile) ? defaultConfigFile : undefined)
    const file = configPath === undefined ? {} : yield* readConfigFile(configPath)
    const accessPath = flags.access ?? env["HOARD_ACCESS"] ??
      (file.access === undefined ? undefined : resolve(dirname(configPath!), file.access))
    const access = accessPath === undefined ? undefined : { path: accessPath, file: yield* readAccessFile(accessPath) }
    return yield* resolveServeConfig(flags, env, file, { configPath, access })
  })
