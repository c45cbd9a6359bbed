import { readFile } from "node:fs/promises"
import { Effect, Schema, SchemaIssue, SchemaParser } from "effect"
import type { SchemaAST } from "effect"
import { ByteSizeInput, JwtConfig, TeamConfig, TokenConfig } from "@hoard/core"
import { ConfigError } from "./ConfigError.ts"

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
const Teams = Schema.Array(strict(TeamConfig, "a team: { \"id\", \"slug\", \"name\"?, \"status\"?, \"quota\"? }"))
const Jwt = strict(JwtConfig, "a jwt section: { \"secret\" | \"jwksUrl\", \"issuer\"?, \"audience\"?, \"teamsClaim\"?, \"rateLimit\"? }")

/** `hoard.config.json`: every setting is optional; flags and env vars win over it. */
export const ConfigFile = Schema.Struct({
  port: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))),
  host: Schema.optionalKey(Schema.String),
  basePath: Schema.optionalKey(Schema.String),
  storage: Schema.optionalKey(Schema.String),
  dataDir: Schema.optionalKey(Schema.String),
  index: Schema.optionalKey(Schema.String),
  tokens: Schema.optionalKey(Tokens),
  teams: Schema.optionalKey(Teams),
  jwt: Schema.optionalKey(Jwt),
  /** A file holding `{teams, tokens, jwt}`, relative to this config file. */
  access: Schema.optionalKey(NonEmptyString),
  maxArtifactSize: Schema.optionalKey(ByteSizeInput),
  logLevel: Schema.optionalKey(Schema.Literals(["debug", "info", "warn", "error"])),
  /** How long a signed download URL stays valid, in seconds. */
  downloadUrlTtl: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  /** The key signed download URLs are signed with (shared by every replica). */
  downloadUrlSecret: Schema.optionalKey(Schema.String.check(Schema.isMinLength(32, {
    message: "a download URL secret is at least 32 characters"
  }))),
  /** The URL clients reach Hoard at, base path included, for links the management API hands out. */
  publicUrl: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^https?:\/\/[^/]/u, {
    message: "a public URL is http(s)://host[:port][/base-path]"
  })))
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

const standardFormatter = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) => issue._tag === "UnexpectedKey" ? "unknown key" : SchemaIssue.defaultLeafHook(issue)
})

/** `tokens[1].teams.web`, `teams[0]["odd key"]`. */
const formatPath = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>): string =>
  path.reduce<string>((text, segment) => {
    const key = typeof segment === "object" ? segment.key : segment
    if (typeof key === "number") return `${text}[${key}]`
    const name = String(key)
    if (/^[A-Za-z_$][\w$]*$/u.test(name)) return text === "" ? name : `${text}.${name}`
    return `${text}[${JSON.stringify(name)}]`
  }, "")

/** Every problem of a decoding issue on one line: `tokens[1].teams.web: Expected "read" | ...`. */
export const formatIssue = (issue: SchemaIssue.Issue): string =>
  standardFormatter(issue).issues.map(({ message, path }) => {
    const where = formatPath(path ?? [])
    return where === "" ? message : `${where}: ${message}`
  }).join("; ")

const readJsonFile = <S extends Schema.Decoder<unknown>>(
  schema: S,
  kind: string,
  path: string,
  parseOptions: SchemaAST.ParseOptions = {}
): Effect.Effect<S["Type"], ConfigError, S["DecodingServices"]> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) => new ConfigError({ message: `cannot read ${kind} ${path}: ${(error as Error).message}` })
  }).pipe(
    Effect.flatMap((text) =>
      Schema.decodeUnknownEffect(Schema.fromJsonString(schema))(text, parseOptions).pipe(
        Effect.mapError((error) => new ConfigError({ message: `invalid ${kind} ${path}: ${formatIssue(error.issue)}` }))
      )
    )
  )

/** Reads and validates a config file; errors name the file and the JSON path of the bad field. */
export const readConfigFile = (path: string): Effect.Effect<ConfigFile, ConfigError> =>
  readJsonFile(ConfigFile, "config file", path)

/** Reads and validates an access file; a key other than `teams`, `tokens` and `jwt` is an error. */
export const readAccessFile = (path: string): Effect.Effect<AccessFile, ConfigError> =>
  readJsonFile(AccessFile, "access file", path, { onExcessProperty: "error" })
