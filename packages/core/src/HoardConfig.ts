import { Context, Effect, Layer, Schema, SchemaIssue } from "effect"

/**
 * A bad setting, from any source (options passed to `Hoard.layer`, a flag, an
 * env var, a config file): `path` names the field (`access.teams[2].slug`,
 * `downloadUrlSecret`) and `message` says what is wrong on one line, never
 * repeating a secret.
 */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  path: Schema.String,
  message: Schema.String
}) {
  /**
   * Every problem of a decoding issue on one line, after `prefix` (`invalid
   * config file hoard.json: tokens[1].teams.web: Expected ...`); `path` is
   * the first problem's field, under `at` (`access`, for `access.teams[0].id`).
   */
  static at(path: ReadonlyArray<PropertyKey>, message: string): ConfigError {
    return new ConfigError({ path: formatPath(path), message })
  }

  static fromIssue(issue: SchemaIssue.Issue, options: { readonly prefix?: string; readonly at?: ReadonlyArray<PropertyKey> } = {}): ConfigError {
    const at = options.at ?? []
    const problems = standardFormatter(issue).issues.map(({ message, path }) => ({
      path: formatPath([...at, ...(path ?? [])]),
      message
    }))
    const line = problems.map(({ message, path }) => path === "" ? message : `${path}: ${message}`).join("; ")
    return new ConfigError({
      path: problems[0]?.path ?? formatPath(at),
      message: options.prefix === undefined ? line : `${options.prefix}: ${line}`
    })
  }
}

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

/** The key signed download links are signed with: shared by every replica behind one address. */
export const DownloadUrlSecret = Schema.String.check(
  Schema.isMinLength(32, { message: "a download URL secret is at least 32 characters" })
)

/** The URL clients reach Hoard at, base path included. */
export const PublicUrl = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^/]/u, { message: "a public URL is http(s)://host[:port][/base-path]" })
)

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const defaultTo = <S extends Schema.Constraint>(value: S["Encoded"]) => Schema.withDecodingDefaultKey<S>(Effect.succeed(value))

/**
 * The settings of the protocol layer: each field's check and default are
 * written here once, and `HoardConfig.layer` (so `Hoard.layer`) applies them.
 * A new setting is one more field.
 */
export const HoardConfigSchema = Schema.Struct({
  /** Largest accepted artifact, in bytes (413 above it). Default 2 GiB. */
  maxArtifactBytes: PositiveInt.pipe(defaultTo(2 * 1024 * 1024 * 1024)),
  /** Largest accepted JSON request body (batch query, events), in bytes. Default 1 MiB. */
  maxJsonBytes: PositiveInt.pipe(defaultTo(1024 * 1024)),
  /** How long a signed download link from the management API stays valid, in seconds. Default 300. */
  downloadUrlTtlSeconds: Schema.Finite.check(
    Schema.isGreaterThan(0, { message: "downloadUrlTtlSeconds is a positive number of seconds" })
  ).pipe(defaultTo(300)),
  /**
   * The HMAC-SHA256 key signed download links are signed with. Default: a
   * random key per process, so links only work on the replica that made
   * them; several replicas behind one address need one shared secret.
   */
  downloadUrlSecret: Schema.optional(DownloadUrlSecret),
  /**
   * The URL clients reach Hoard at, base path included (e.g.
   * `https://cache.example.com/hoard`), for the absolute links the management
   * API hands out. Default: from the request's `Host` and `X-Forwarded-Proto`.
   */
  publicUrl: Schema.optional(PublicUrl),
  /** Uploads in progress at once on this server; beyond it a PUT gets 503 with `Retry-After`. Default 256. */
  maxConcurrentUploads: PositiveInt.pipe(defaultTo(256)),
  /** Uploads in progress at once with one token; beyond it a PUT gets 429 with `Retry-After`. Default 64. */
  maxConcurrentUploadsPerToken: PositiveInt.pipe(defaultTo(64)),
  /**
   * The slowest accepted upload, in bytes per second: a client that sends
   * less over `uploadRateWindowSeconds` of the server waiting on it is cut off
   * with 408 and nothing is stored. Time spent writing to storage does not
   * count against the client. Default 10 KiB/s; 0 turns the check off.
   */
  minUploadBytesPerSecond: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)).pipe(defaultTo(10 * 1024)),
  /** The window the upload rate is measured over, in seconds. Default 30. */
  uploadRateWindowSeconds: Schema.Finite.check(
    Schema.isGreaterThan(0, { message: "uploadRateWindowSeconds is a positive number of seconds" })
  ).pipe(defaultTo(30))
})

/** Limits and settings of the protocol layer, defaults applied. */
export type HoardConfigShape = typeof HoardConfigSchema.Type

/** What `HoardConfig.layer` accepts: any setting may be left out. */
export type HoardConfigOptions = typeof HoardConfigSchema.Encoded

/**
 * Checks `options` and fills in the defaults; `at` is where they sit in the
 * caller's options, for the error's path.
 */
export const decodeHoardConfig = (
  options: HoardConfigOptions,
  at: ReadonlyArray<PropertyKey> = []
): Effect.Effect<HoardConfigShape, ConfigError> =>
  Schema.decodeUnknownEffect(HoardConfigSchema)(options).pipe(
    Effect.mapError((error) => ConfigError.fromIssue(error.issue, { at }))
  )

export const defaultConfig: HoardConfigShape = Schema.decodeUnknownSync(HoardConfigSchema)({})

/** Limits and settings of the protocol layer. */
export class HoardConfig extends Context.Service<HoardConfig, HoardConfigShape>()("@hoard/core/HoardConfig") {
  /** Fails with a `ConfigError` naming the field when a setting is out of range. */
  static readonly layer = (options: HoardConfigOptions = {}): Layer.Layer<HoardConfig, ConfigError> =>
    Layer.effect(HoardConfig, Effect.map(decodeHoardConfig(options), HoardConfig.of))
}
