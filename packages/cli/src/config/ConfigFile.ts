import { readFile } from "node:fs/promises"
import { Effect, Schema, SchemaIssue } from "effect"
import { ByteSizeInput } from "@hoard/core"
import { ConfigError } from "./ConfigError.ts"

const Token = Schema.Union([
  Schema.String.check(Schema.isMinLength(1)),
  Schema.Struct({ name: Schema.optionalKey(Schema.String), token: Schema.String.check(Schema.isMinLength(1)) })
])

/** `hoard.config.json`: every setting is optional; flags and env vars win over it. */
export const ConfigFile = Schema.Struct({
  port: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))),
  host: Schema.optionalKey(Schema.String),
  basePath: Schema.optionalKey(Schema.String),
  storage: Schema.optionalKey(Schema.String),
  dataDir: Schema.optionalKey(Schema.String),
  tokens: Schema.optionalKey(Schema.Array(Token)),
  maxArtifactSize: Schema.optionalKey(ByteSizeInput),
  logLevel: Schema.optionalKey(Schema.Literals(["debug", "info", "warn", "error"]))
})
export type ConfigFile = typeof ConfigFile.Type

const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(ConfigFile))
const formatter = SchemaIssue.makeFormatterDefault()

/** Reads and validates a config file; errors name the file and the bad field. */
export const readConfigFile = (path: string) =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) => new ConfigError({ message: `cannot read config file ${path}: ${(error as Error).message}` })
  }).pipe(
    Effect.flatMap((text) =>
      decode(text).pipe(
        Effect.mapError((error) =>
          new ConfigError({ message: `invalid config file ${path}: ${formatter(error.issue)}` })
        )
      )
    )
  )
