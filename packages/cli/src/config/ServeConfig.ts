import { resolve } from "node:path"
import { Config, ConfigProvider, Effect, Option, Redacted, Schema, SchemaIssue } from "effect"
import type { JwtConfig, TeamConfig, TokenConfig } from "@hoard/core"
import { ConfigError, parseByteSize, Tracing } from "@hoard/core"
import { checkAccess } from "./accessChecks.ts"
import type { SourcedToken } from "./accessChecks.ts"
import type { AccessFile, ConfigFile } from "./ConfigFile.ts"
import { defaultMaxSizeBytes } from "./retention.ts"
import { defaults, envVar, fields, flagName, reasons, secretSettings } from "./settings.ts"
import { isNone, parseAge } from "./units.ts"
import type { LogFormat, LogLevel, SettingKey } from "./settings.ts"

export type { LogFormat, LogLevel } from "./settings.ts"
export { defaults } from "./settings.ts"

/** Settings given on the command line; `undefined` when the flag was absent. */
export interface ServeFlags {
  readonly port?: number | string | undefined
  readonly host?: string | undefined
  readonly basePath?: string | undefined
  readonly storage?: string | undefined
  readonly dataDir?: string | undefined
  readonly index?: string | undefined
  readonly tokens: ReadonlyArray<string>
  readonly maxArtifactSize?: string | undefined
  readonly logLevel?: string | undefined
  readonly maxConcurrentUploads?: string | undefined
  readonly maxUploadsPerToken?: string | undefined
  readonly minUploadRate?: string | undefined
  readonly maxConnections?: string | undefined
  readonly maxSize?: string | undefined
  readonly ttl?: string | undefined
  readonly activityRetention?: string | undefined
  readonly redis?: string | undefined
  readonly logFormat?: string | undefined
  readonly accessLog?: string | undefined
  readonly fsync?: string | undefined
  readonly indexWriterThread?: string | undefined
  readonly metricsPort?: string | undefined
  readonly metricsToken?: string | undefined
  readonly otlpEndpoint?: string | undefined
  /** `--config <file>` and `--access <file>`: read by `loadServeConfig`. */
  readonly config?: string | undefined
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
  /** `sqlite:<path>` or a `postgres://` URL, whose password is a secret. */
  readonly index: Redacted.Redacted<string>
  /** The configured teams; empty when every team name is its own namespace. */
  readonly teams: ReadonlyArray<TeamConfig>
  /**
   * Every accepted token, team-bound: the config or access file's, then those
   * of `--token` (or `HOARD_TOKENS`), which may use every team (`{"*": "admin"}`).
   * Empty when none was configured: unless a JWT is, one is then generated
   * and kept in the data dir.
   */
  readonly tokens: ReadonlyArray<TokenConfig>
  readonly jwt?: JwtConfig | undefined
  readonly maxArtifactBytes: number
  readonly logLevel: LogLevel
  readonly downloadUrlTtlSeconds?: number | undefined
  readonly downloadUrlSecret?: Redacted.Redacted<string> | undefined
  /** The URL clients reach Hoard at (base path included), when it differs from the listening address. */
  readonly publicUrl?: string | undefined
  /** Uploads in progress at once: in total (503 beyond) and per token (429 beyond). */
  readonly maxConcurrentUploads: number
  readonly maxUploadsPerToken: number
  /** The slowest accepted upload, in bytes per second (0: no floor). */
  readonly minUploadBytesPerSecond: number
  readonly maxConnections: number
  /**
   * The whole cache's size budget in bytes (`undefined`: none): `--max-size`,
   * else for fs storage the smaller of 20 GiB and half of the free space plus what the cache holds, at start.
   */
  readonly maxSizeBytes: number | undefined
  /** Whether `maxSizeBytes` is that default rather than a setting. */
  readonly maxSizeIsDefault: boolean
  /** Artifacts neither read nor written for this long are deleted; `undefined`: kept. */
  readonly ttlMs: number | undefined
  /** How long the activity record is kept; `undefined`: for ever. */
  readonly activityRetentionMs: number | undefined
  /** The Redis that counts token rate limits for every replica (its URL may hold a password); none: in memory. */
  readonly redis?: Redacted.Redacted<string> | undefined
  /** How log lines are written: JSON objects, one a line, or pretty for a terminal. */
  readonly logFormat: LogFormat
  /** One info line per request. */
  readonly accessLog: boolean
  /** Directory storage fsyncs each upload before it counts as stored. */
  readonly fsync: boolean
  /** A SQLite index applies its writes on a thread of its own. */
  readonly indexWriterThread: boolean
  /** A second listener serving only `/metrics` without auth; none: not served there. */
  readonly metricsPort?: number | undefined
  /** `/metrics` on the main port behind this bearer token; none: not served there. */
  readonly metricsToken?: Redacted.Redacted<string> | undefined
  /** Where spans are exported (OTLP/HTTP JSON); none: tracing is off. */
  readonly tracing?: TracingSettings | undefined
}

export interface TracingSettings {
  /** The full traces URL, e.g. `http://collector:4318/v1/traces`. */
  readonly url: string
  readonly serviceName: string
  /** `OTEL_BSP_SCHEDULE_DELAY`: how often spans are sent. */
  readonly exportIntervalMs?: number | undefined
}

/** One place settings come from, and how a message names a setting (and its `shown` value) there. */
interface Source {
  readonly provider: ConfigProvider.ConfigProvider
  readonly name: (key: SettingKey, shown?: string) => string
}

const flagSource = (flags: ServeFlags): Source => ({
  provider: ConfigProvider.fromUnknown({
    port: flags.port,
    host: flags.host,
    basePath: flags.basePath,
    storage: flags.storage,
    dataDir: flags.dataDir,
    index: flags.index,
    maxArtifactSize: flags.maxArtifactSize,
    logLevel: flags.logLevel,
    maxConcurrentUploads: flags.maxConcurrentUploads,
    maxUploadsPerToken: flags.maxUploadsPerToken,
    minUploadRate: flags.minUploadRate,
    maxConnections: flags.maxConnections,
    maxSize: flags.maxSize,
    ttl: flags.ttl,
    activityRetention: flags.activityRetention,
    redis: flags.redis,
    logFormat: flags.logFormat,
    accessLog: flags.accessLog,
    fsync: flags.fsync,
    indexWriterThread: flags.indexWriterThread,
    metricsPort: flags.metricsPort,
    metricsToken: flags.metricsToken,
    otlpEndpoint: flags.otlpEndpoint,
    config: flags.config,
    access: flags.access,
    ...(flags.tokens.length > 0 && { tokens: flags.tokens })
  }),
  name: (key, shown = "") => `${flagName(key)}${shown}`
})

/** `HOARD_*` env vars: the setting `maxArtifactSize` is `HOARD_MAX_ARTIFACT_SIZE` (and `HOARD_TOKEN` is the old `HOARD_TOKENS`). */
const envSource = (env: Record<string, string | undefined>): Source => {
  const legacyTokens = env["HOARD_TOKENS"] === undefined && env["HOARD_TOKEN"] !== undefined ? { HOARD_TOKENS: env["HOARD_TOKEN"] } : {}
  return {
    provider: ConfigProvider.fromEnvRecord({ ...env, ...legacyTokens }).pipe(
      ConfigProvider.mapInput(([key, ...rest]) => [envVar(key as SettingKey), ...rest])
    ),
    name: (key, shown = "") => `${envVar(key)}${shown}`
  }
}

const fileSource = (file: ConfigFile, configName: string): Source => ({
  provider: ConfigProvider.fromUnknown(file),
  name: (key, shown = "") => `${key}${shown} in ${configName}`
})

/**
 * Settings read from `sources`, the first that has a setting winning, as one
 * `ConfigProvider`. A bad value fails with a `ConfigError` naming the flag,
 * env var or file it came from.
 */
const chainOf = (sources: ReadonlyArray<Source>) => {
  const provider = sources.map((source) => source.provider).reduce((first, next) => ConfigProvider.orElse(first, next))
  /** Where the value of `key` comes from, and the value when it is a plain string. */
  const lookup = (key: SettingKey) =>
    Effect.gen(function*() {
      for (const source of sources) {
        const node = yield* Effect.orDie(source.provider.load([key]))
        if (node !== undefined) return { source, value: node.value }
      }
      return undefined
    })
  const sourceOf = (key: SettingKey) => Effect.map(lookup(key), (found) => found?.source.name(key) ?? key)
  const toConfigError = (error: Config.ConfigError): Effect.Effect<ConfigError> => {
    const cause = error.cause
    if (!Schema.isSchemaError(cause)) return Effect.succeed(new ConfigError({ path: "", message: cause.message }))
    const { issue } = cause
    const [key, ...rest] = issue._tag === "Pointer" ? issue.path : []
    if (key === undefined) return Effect.succeed(ConfigError.fromIssue(issue))
    const inner = issue._tag === "Pointer" ? issue.issue : issue
    const setting = key as SettingKey
    const reason = (reasons as Partial<Record<SettingKey, string>>)[setting] ??
      ConfigError.fromIssue(rest.length > 0 ? new SchemaIssue.Pointer(rest, inner) : inner).message
    return Effect.map(lookup(setting), (found) => {
      const value = found?.value
      // The value, unless it is a secret or the reason already quotes it.
      const shown = value === undefined || secretSettings.has(setting) || reason.includes(JSON.stringify(value))
        ? ""
        : ` ${JSON.stringify(value)}`
      return new ConfigError({ path: String(key), message: `invalid ${found?.source.name(setting, shown) ?? setting}: ${reason}` })
    })
  }
  return {
    sourceOf,
    read: <A>(config: Config.Config<A>): Effect.Effect<A, ConfigError> =>
      config.parse(provider).pipe(Effect.catch((error) => Effect.flatMap(toConfigError(error), Effect.fail)))
  }
}

/** A setting, read with its field's check. */
const setting = <A>(key: SettingKey, schema: Schema.ConstraintCodec<A, unknown>): Config.Config<A> => Config.schema(schema, key)

/** Plain tokens for every team: `--token` (repeated) or `HOARD_TOKENS` (comma-separated), kept `Redacted`. */
const plainTokens = Config.schema(Schema.Union([Schema.Array(Schema.String), Schema.String]), "tokens").pipe(
  Config.map((input) =>
    [...new Set((typeof input === "string" ? input.split(",") : input).map((token) => token.trim()).filter(Boolean))].map((token) => Redacted.make(token))
  ),
  Config.withDefault([])
)

const settings = Config.all({
  port: setting("port", fields.port).pipe(Config.withDefault(defaults.port)),
  host: setting("host", fields.host).pipe(Config.withDefault(defaults.host)),
  basePath: setting("basePath", fields.basePath).pipe(Config.withDefault(defaults.basePath)),
  dataDir: setting("dataDir", fields.dataDir).pipe(Config.withDefault(defaults.dataDir), Config.map((dir) => resolve(dir))),
  storage: Config.option(setting("storage", fields.storage)),
  index: Config.option(setting("index", Schema.Redacted(fields.index))),
  // Flags and env vars are strings (a number in the file reads as one too): the field's string form checks them.
  maxArtifactBytes: setting("maxArtifactSize", fields.maxArtifactSize.members[1]).pipe(
    Config.map((size) => parseByteSize(size)!),
    Config.withDefault(defaults.maxArtifactBytes)
  ),
  logLevel: setting("logLevel", fields.logLevel).pipe(Config.withDefault(defaults.logLevel)),
  maxConcurrentUploads: setting("maxConcurrentUploads", fields.maxConcurrentUploads).pipe(Config.withDefault(defaults.maxConcurrentUploads)),
  maxUploadsPerToken: setting("maxUploadsPerToken", fields.maxUploadsPerToken).pipe(Config.withDefault(defaults.maxUploadsPerToken)),
  minUploadBytesPerSecond: setting("minUploadRate", fields.minUploadRate).pipe(
    Config.map((rate) => rate.trim() === "0" ? 0 : parseByteSize(rate)!),
    Config.withDefault(defaults.minUploadBytesPerSecond)
  ),
  maxConnections: setting("maxConnections", fields.maxConnections).pipe(Config.withDefault(defaults.maxConnections)),
  downloadUrlTtlSeconds: Config.option(setting("downloadUrlTtl", fields.downloadUrlTtl)),
  downloadUrlSecret: Config.option(setting("downloadUrlSecret", Schema.Redacted(fields.downloadUrlSecret))),
  publicUrl: Config.option(setting("publicUrl", fields.publicUrl).pipe(Config.map((url) => url.replace(/\/+$/u, "")))),
  // `none`, or a size; unset: the default, which depends on the storage.
  maxSize: Config.option(setting("maxSize", fields.maxSize.members[1]).pipe(
    Config.map((size) => isNone(size) ? undefined : parseByteSize(size)!)
  )),
  ttlMs: setting("ttl", fields.ttl).pipe(
    Config.map((age) => isNone(age) ? undefined : parseAge(age)!),
    Config.withDefault(defaults.ttlMs)
  ),
  activityRetentionMs: setting("activityRetention", fields.activityRetention).pipe(
    Config.map((age) => isNone(age) ? undefined : parseAge(age)!),
    Config.withDefault(defaults.activityRetentionMs)
  ),
  redis: Config.option(setting("redis", Schema.Redacted(fields.redis))),
  logFormat: setting("logFormat", fields.logFormat).pipe(Config.withDefault(defaults.logFormat(process.stdout.isTTY === true))),
  accessLog: setting("accessLog", fields.accessLog).pipe(Config.map((value) => value === "on"), Config.withDefault(defaults.accessLog)),
  fsync: setting("fsync", fields.fsync).pipe(Config.map((value) => value === "on"), Config.withDefault(defaults.fsync)),
  indexWriterThread: setting("indexWriterThread", fields.indexWriterThread).pipe(
    Config.map((value) => value === "on"),
    Config.withDefault(defaults.indexWriterThread)
  ),
  metricsPort: Config.option(setting("metricsPort", fields.metricsPort)),
  metricsToken: Config.option(setting("metricsToken", Schema.Redacted(fields.metricsToken))),
  otlpEndpoint: Config.option(setting("otlpEndpoint", fields.otlpEndpoint))
})

/**
 * Tracing from `--otlp-endpoint` (`HOARD_OTLP_ENDPOINT`, config `otlpEndpoint`),
 * else the OpenTelemetry env convention; its service name from
 * `OTEL_SERVICE_NAME`, its batch interval from `OTEL_BSP_SCHEDULE_DELAY`.
 */
const tracingOf = (endpoint: Option.Option<string>, env: Record<string, string | undefined>): TracingSettings | undefined => {
  const url = Option.isSome(endpoint) ? Tracing.tracesUrlOf(endpoint.value) : Tracing.tracesUrlFromEnv(env)
  if (url === undefined || env["OTEL_SDK_DISABLED"]?.trim().toLowerCase() === "true") return undefined
  const delay = Number(env["OTEL_BSP_SCHEDULE_DELAY"])
  return {
    url,
    serviceName: env["OTEL_SERVICE_NAME"]?.trim() || defaults.serviceName,
    ...(Number.isSafeInteger(delay) && delay > 0 && { exportIntervalMs: delay })
  }
}

/** `--config` and `--access`, from flags then env vars: they say where the rest comes from. */
export const resolveFilePaths = (
  flags: ServeFlags,
  env: Record<string, string | undefined>
): Effect.Effect<{ readonly config: Option.Option<string>; readonly access: Option.Option<string> }, ConfigError> =>
  chainOf([flagSource(flags), envSource(env)]).read(Config.all({
    config: Config.option(setting("config", Schema.String)),
    access: Config.option(setting("access", Schema.String))
  }))

const describeFile = (path: string | undefined, kind: string) => path ?? `the ${kind}`

/**
 * Merges the sources, first found wins: flags, then `HOARD_*` env vars, then
 * the config file (and the access file), then defaults. `teams`, `tokens` and
 * `jwt` may each come from the config file or the access file, not both;
 * tokens from `--token` or `HOARD_TOKENS` are added to the file's.
 */
export const resolveServeConfig = (
  flags: ServeFlags,
  env: Record<string, string | undefined>,
  file: ConfigFile,
  sources: ConfigSources = {}
): Effect.Effect<ServeConfig, ConfigError> =>
  Effect.gen(function*() {
    const configName = describeFile(sources.configPath, "config file")
    const commandLine = [flagSource(flags), envSource(env)]
    const chain = chainOf([...commandLine, fileSource(file, configName)])
    const values = yield* chain.read(settings)

    // teams, tokens and jwt: from the config file or the access file, never both.
    const access = sources.access
    for (const key of ["teams", "tokens", "jwt"] as const) {
      if (access !== undefined && file[key] !== undefined && access.file[key] !== undefined) {
        return yield* ConfigError.at([key], `${key} are configured in both ${configName} and the access file ${access.path}: keep them in one file`)
      }
    }
    const teamsFrom = file.teams !== undefined ? configName : access?.path
    const teams = file.teams ?? access?.file.teams ?? []

    const fromFile = (entries: ConfigFile["tokens"], path: string): ReadonlyArray<SourcedToken> =>
      (entries ?? []).map((entry, index) => ({ entry, where: `tokens[${index}] in ${path}` }))
    const fileTokens = file.tokens !== undefined ? fromFile(file.tokens, configName) : fromFile(access?.file.tokens, access?.path ?? "")
    const plainSource = yield* chainOf(commandLine).sourceOf("tokens")
    const plain = (yield* chainOf(commandLine).read(plainTokens)).map((token, index): SourcedToken => ({
      entry: Redacted.value(token),
      where: `${plainSource} #${index + 1}`
    }))
    const tokens = yield* checkAccess({ teams, teamsFrom: teamsFrom ?? "", tokens: [...fileTokens, ...plain] })

    const jwt = file.jwt ?? access?.file.jwt
    const {
      dataDir,
      downloadUrlSecret,
      downloadUrlTtlSeconds,
      index,
      maxSize,
      metricsPort,
      metricsToken,
      otlpEndpoint,
      publicUrl,
      redis,
      storage: storageSetting,
      ...rest
    } = values
    const tracing = tracingOf(otlpEndpoint, env)
    const storage = Option.getOrElse(storageSetting, () => defaults.storage(dataDir))
    return {
      ...rest,
      dataDir,
      storage,
      ...(Option.isSome(maxSize)
        ? { maxSizeBytes: maxSize.value, maxSizeIsDefault: false }
        : { maxSizeBytes: yield* defaultMaxSizeBytes(storage), maxSizeIsDefault: true }),
      index: Option.getOrElse(index, () => Redacted.make(defaults.index(dataDir))),
      teams,
      tokens,
      ...(jwt !== undefined && { jwt }),
      ...Option.match(downloadUrlTtlSeconds, { onNone: () => ({}), onSome: (seconds) => ({ downloadUrlTtlSeconds: seconds }) }),
      ...Option.match(downloadUrlSecret, { onNone: () => ({}), onSome: (secret) => ({ downloadUrlSecret: secret }) }),
      ...Option.match(publicUrl, { onNone: () => ({}), onSome: (url) => ({ publicUrl: url }) }),
      ...Option.match(redis, { onNone: () => ({}), onSome: (url) => ({ redis: url }) }),
      ...Option.match(metricsPort, { onNone: () => ({}), onSome: (port) => ({ metricsPort: port }) }),
      ...Option.match(metricsToken, { onNone: () => ({}), onSome: (token) => ({ metricsToken: token }) }),
      ...(tracing !== undefined && { tracing })
    }
  })
