import { readFile } from "node:fs/promises"
import { Effect, Schema, SchemaIssue, SchemaParser } from "effect"
import type { SchemaAST } from "effect"
import { ConfigError, JwtConfig, TeamConfig, TokenConfig } from "@hoard/core"
import { fields } from "./settings.ts"

/** The older token entry: a secret that may use every team, optionally named. */
export const PlainTokenConfig = Schema.Struct({
  name: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100))),
  token: Schema.String.check(Schema.isMinLength(1))
})
export type PlainTokenConfig = typeof PlainTokenConfig.Type

/** A `tokens` entry: a plain string, `{name, token}` (both every team), or a team-bound `TokenConfig`. */
export type TokenEntry = string | PlainTokenConfig | TokenConfig

const NonEmptyString = Schema.String.check(Schema.isMinLength(1))

/** Keys only a team-bound token has: an entry with any of them must be a valid `TokenConfig`. */
const teamBoundKeys = ["teams", "sha256", "rateLimit"] as const

/**
 * Decodes with `schema`, rejecting keys it does not declare (anywhere inside):
 * a misspelt `teams`, `quota` or `status` must not silently widen access.
 */
const strict = <S extends Schema.Constraint>(schema: S, expected: string) =>
  Schema.declareConstructor<S["Type"], S["Encoded"]>()(
    [schema],
    ([codec]) => (input, _ast, options) =>
      SchemaParser.decodeUnknownEffect(codec)(input, { ...options, onExcessProperty: "error" }),
    { expected }
  )

/**
 * A `tokens` entry, decoded by its shape rather than as a union: an object with
 * `teams`, `sha256` or `rateLimit` is a `TokenConfig`, so a mistake in it is
 * reported at its path and never lets it pass for an every-team token. Unknown
 * keys are errors (`{"name", "token", "team": ...}` is not an every-team token).
 */
export const TokenEntry = Schema.declareConstructor<TokenEntry>()(
  [NonEmptyString, PlainTokenConfig, TokenConfig],
  ([string, plain, teamBound]) => (input, ast, options) => {
    if (typeof input === "string") return SchemaParser.decodeUnknownEffect(string)(input, options)
    if (typeof input === "object" && input !== null && !Array.isArray(input)) {
      const isTeamBound = teamBoundKeys.some((key) => key in input)
      return SchemaParser.decodeUnknownEffect(isTeamBound ? teamBound : plain)(input, {
        ...options,
        onExcessProperty: "error"
      })
    }
    return Effect.fail(new SchemaIssue.InvalidType(ast, input, options))
  },
  { expected: "a token string, { \"name\", \"token\" } or { \"name\", \"token\" | \"sha256\", \"teams\" }" }
)

const Tokens = Schema.Array(TokenEntry)
const Teams = Schema.Array(strict(TeamConfig, "a team: { \"id\", \"slug\", \"name\"?, \"status\"?, \"quota\"?, \"maxSize\"?, \"createdAt\"? }"))
const Jwt = strict(JwtConfig, "a jwt section: { \"secret\" | \"jwksUrl\", \"issuer\"?, \"audience\"?, \"teamsClaim\"?, \"rateLimit\"? }")

/** `hoard.config.json`: every setting is optional; flags and env vars win over it. */
export const ConfigFile = Schema.Struct({
  port: Schema.optionalKey(fields.port),
  host: Schema.optionalKey(fields.host),
  basePath: Schema.optionalKey(fields.basePath),
  storage: Schema.optionalKey(fields.storage),
  dataDir: Schema.optionalKey(fields.dataDir),
  index: Schema.optionalKey(fields.index),
  tokens: Schema.optionalKey(Tokens),
  teams: Schema.optionalKey(Teams),
  jwt: Schema.optionalKey(Jwt),
  /** A file holding `{teams, tokens, jwt}`, relative to this config file. */
  access: Schema.optionalKey(NonEmptyString),
  maxArtifactSize: Schema.optionalKey(fields.maxArtifactSize),
  logLevel: Schema.optionalKey(fields.logLevel),
  downloadUrlTtl: Schema.optionalKey(fields.downloadUrlTtl),
  downloadUrlSecret: Schema.optionalKey(fields.downloadUrlSecret),
  publicUrl: Schema.optionalKey(fields.publicUrl),
  maxConcurrentUploads: Schema.optionalKey(fields.maxConcurrentUploads),
  maxUploadsPerToken: Schema.optionalKey(fields.maxUploadsPerToken),
  minUploadRate: Schema.optionalKey(fields.minUploadRate),
  maxConnections: Schema.optionalKey(fields.maxConnections),
  maxSize: Schema.optionalKey(fields.maxSize),
  ttl: Schema.optionalKey(fields.ttl),
  activityRetention: Schema.optionalKey(fields.activityRetention),
  redis: Schema.optionalKey(fields.redis),
  logFormat: Schema.optionalKey(fields.logFormat),
  accessLog: Schema.optionalKey(fields.accessLog),
  fsync: Schema.optionalKey(fields.fsync),
  indexWriterThread: Schema.optionalKey(fields.indexWriterThread),
  metricsPort: Schema.optionalKey(fields.metricsPort),
  metricsToken: Schema.optionalKey(fields.metricsToken),
  otlpEndpoint: Schema.optionalKey(fields.otlpEndpoint)
})
export type ConfigFile = typeof ConfigFile.Type

/**
 * The access file (`--access`, `HOARD_ACCESS`, config `access`): teams, tokens
 * and JWT settings alone, so secrets can live apart from the rest (e.g. in a
 * Kubernetes secret). Any other key is a mistake.
 */
export const AccessFile = Schema.Struct({
  teams: Schema.optionalKey(Teams),
  tokens: Schema.optionalKey(Tokens),
  jwt: Schema.optionalKey(Jwt)
})
export type AccessFile = typeof AccessFile.Type

const readJsonFile = <S extends Schema.Decoder<unknown>>(
  schema: S,
  kind: string,
  path: string,
  parseOptions: SchemaAST.ParseOptions = {}
): Effect.Effect<S["Type"], ConfigError, S["DecodingServices"]> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) => new ConfigError({ path: kind === "access file" ? "access" : "config", message: `cannot read ${kind} ${path}: ${(error as Error).message}` })
  }).pipe(
    Effect.flatMap((text) =>
      Schema.decodeUnknownEffect(Schema.fromJsonString(schema))(text, parseOptions).pipe(
        Effect.mapError((error) => ConfigError.fromIssue(error.issue, { prefix: `invalid ${kind} ${path}` }))
      )
    )
  )

/** Reads and validates a config file; errors name the file and the JSON path of the bad field. */
export const readConfigFile = (path: string): Effect.Effect<ConfigFile, ConfigError> =>
  readJsonFile(ConfigFile, "config file", path)

/** Reads and validates an access file; a key other than `teams`, `tokens` and `jwt` is an error. */
export const readAccessFile = (path: string): Effect.Effect<AccessFile, ConfigError> =>
  readJsonFile(AccessFile, "access file", path, { onExcessProperty: "error" })
