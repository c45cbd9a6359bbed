import { Console, Duration, Effect, Layer, Logger, Option, Redacted, References } from "effect"
import { Command, Flag } from "effect/cli"
import { createHash } from "node:crypto"
import type { IndexError, TokenConfig } from "@hoard/core"
import { serve, serveMetrics } from "@hoard/transport-node-http"
import { DashboardRoutes } from "@hoard/dashboard"
import { ConfigError, Hoard, Tracing } from "@hoard/core"
import { loadServeConfig } from "../config/loadConfig.ts"
import type { LogLevel, ServeConfig } from "../config/ServeConfig.ts"
import { envVar, flagName, shownDefaults } from "../config/settings.ts"
import type { SettingKey } from "../config/settings.ts"
import { indexFromSpec } from "../config/indexLayer.ts"
import type { IndexChoice } from "../config/indexLayer.ts"
import { rateLimitStoreLayer } from "../config/rateLimitStore.ts"
import { withStoredBytes } from "../config/retention.ts"
import { storageFromSpec } from "../config/storageLayer.ts"
import type { StorageChoice } from "../config/storageLayer.ts"
import { resolveTokens } from "../config/tokens.ts"
import type { ResolvedTokens } from "../config/tokens.ts"
import { startupBanner } from "./banner.ts"

/** A flag's help: what it does, then its env var and default (from the settings, so they are written once). */
const help = (key: SettingKey, text: string, more = "") =>
  `${text} (env ${envVar(key)}${shownDefaults[key] === undefined ? "" : `; default ${shownDefaults[key]}`}${more})`

// Values are read, checked and defaulted by the configuration chain, not by
// the flag parser: a bad --port fails like a bad HOARD_PORT, with one line.
const flag = (
  key: SettingKey,
  text: string,
  options: { readonly alias?: string; readonly metavar?: string; readonly more?: string } = {}
) => {
  const named = Flag.String(flagName(key).slice(2)).pipe(Flag.withDescription(help(key, text, options.more)))
  const aliased = options.alias === undefined ? named : Flag.withAlias(named, options.alias)
  return Flag.optional(options.metavar === undefined ? aliased : Flag.withMetavar(aliased, options.metavar))
}

const flags = {
  port: flag("port", "Port to listen on", { alias: "p", metavar: "integer" }),
  host: flag("host", "Interface to bind"),
  basePath: flag("basePath", "Serve under a path prefix, e.g. /cache"),
  storage: flag("storage", "memory, memory:<size>, a directory or file:// URL, gs://bucket/prefix, s3://bucket/prefix, azure://container/prefix", { alias: "s" }),
  index: flag("index", "The cache index: sqlite:<path> or postgres://user:password@host/db for several replicas"),
  dataDir: flag("dataDir", "Folder for the generated token and default storage"),
  token: Flag.String("token").pipe(
    Flag.withAlias("t"),
    Flag.withDescription("Accepted bearer token, for every team, added to the config file's tokens; repeat for several (env HOARD_TOKENS, comma-separated)"),
    Flag.atLeast(0)
  ),
  maxArtifactSize: flag("maxArtifactSize", "Largest accepted artifact, e.g. 500MB, 2GiB"),
  logLevel: flag("logLevel", "debug, info, warn or error"),
  maxConcurrentUploads: flag("maxConcurrentUploads", "Uploads in progress at once; beyond it 503 with Retry-After"),
  maxUploadsPerToken: flag("maxUploadsPerToken", "Uploads in progress at once with one token; beyond it 429 with Retry-After"),
  minUploadRate: flag("minUploadRate", "Slowest accepted upload per second, measured over 30 s (408, nothing stored); 0 for none"),
  maxConnections: flag("maxConnections", "Open connections at most"),
  maxSize: flag("maxSize", "The whole cache's size budget, e.g. 500MB, 10GiB, or none; beyond it the least recently used artifacts are deleted"),
  ttl: flag("ttl", "Delete artifacts neither read nor written for this long, e.g. 12h, 7d, 2w, or none"),
  activityRetention: flag("activityRetention", "Keep the activity record this long, e.g. 30d, or none for ever"),
  redis: flag("redis", "Count token rate limits in this Redis, shared by every replica: redis://[:password@]host[:port][/db]"),
  config: flag("config", "JSON config file", { alias: "c" }),
  access: flag("access", "JSON file with teams, tokens and jwt only, e.g. a mounted secret", { more: "; or the config file's \"access\"" }),
  logFormat: flag("logFormat", "Log lines as json (one object a line) or pretty"),
  accessLog: flag("accessLog", "One info log line per request (method, route, status, bytes, duration, request id, team, token name): on or off"),
  fsync: flag("fsync", "Directory storage: flush each upload to disk before answering it, so it survives a power loss: on or off (off is faster; a file a crash tears fails its length or CRC-32 check and is a miss)"),
  indexWriterThread: flag("indexWriterThread", "SQLite index: apply its writes on a thread of its own, so that a batch of them never holds up requests: on or off (on costs 60–100 MiB of memory; worth it on a busy server with a core to spare)"),
  metricsPort: flag("metricsPort", "Serve Prometheus /metrics without auth on this second port, same host"),
  metricsToken: flag("metricsToken", "Serve Prometheus /metrics on the main port to this bearer token only"),
  otlpEndpoint: flag("otlpEndpoint", "Export a span per request (OTLP/HTTP JSON) to this collector base URL; traces go to <url>/v1/traces, service name from OTEL_SERVICE_NAME (default hoard)")
}

const effectLogLevel: Record<LogLevel, "Debug" | "Info" | "Warn" | "Error"> = {
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error"
}

/**
 * A token as Hoard keeps it: only its SHA-256 digest. Plain tokens (`--token`,
 * `HOARD_TOKENS`, string entries) have no minimum length, unlike a team-bound
 * token's `token`, which a digest does not need.
 */
const asDigest = ({ token, ...rest }: TokenConfig): TokenConfig =>
  token === undefined ? rest : { ...rest, sha256: createHash("sha256").update(token).digest("hex") }

/** The services of a `hoard serve` with this configuration. */
export const hoardLayer = (config: ServeConfig, storage: StorageChoice, index: IndexChoice, tokens: ResolvedTokens) =>
  Hoard.layer({
    storage: storage.layer,
    index: index.layer,
    access: {
      teams: config.teams,
      tokens: tokens.tokens.map(asDigest),
      ...(config.jwt !== undefined && { jwt: config.jwt })
    },
    maxArtifactBytes: config.maxArtifactBytes,
    maxConcurrentUploads: config.maxConcurrentUploads,
    maxConcurrentUploadsPerToken: config.maxUploadsPerToken,
    minUploadBytesPerSecond: config.minUploadBytesPerSecond,
    ...(config.downloadUrlTtlSeconds !== undefined && { downloadUrlTtlSeconds: config.downloadUrlTtlSeconds }),
    ...(config.downloadUrlSecret !== undefined && { downloadUrlSecret: Redacted.value(config.downloadUrlSecret) }),
    ...(config.publicUrl !== undefined && { publicUrl: config.publicUrl }),
    retention: {
      maxSizeBytes: config.maxSizeBytes,
      ttl: config.ttlMs === undefined ? undefined : Duration.millis(config.ttlMs),
      activityRetention: config.activityRetentionMs === undefined ? "none" : Duration.millis(config.activityRetentionMs)
    },
    ...(config.redis !== undefined && { rateLimitStore: rateLimitStoreLayer(config.redis, config.logLevel) })
  })

export const serveCommand = Command.make("serve", flags, Effect.fnUntraced(function*(input) {
  const loaded = yield* loadServeConfig({
    port: Option.getOrUndefined(input.port),
    host: Option.getOrUndefined(input.host),
    basePath: Option.getOrUndefined(input.basePath),
    storage: Option.getOrUndefined(input.storage),
    dataDir: Option.getOrUndefined(input.dataDir),
    index: Option.getOrUndefined(input.index),
    tokens: input.token,
    maxArtifactSize: Option.getOrUndefined(input.maxArtifactSize),
    logLevel: Option.getOrUndefined(input.logLevel),
    maxConcurrentUploads: Option.getOrUndefined(input.maxConcurrentUploads),
    maxUploadsPerToken: Option.getOrUndefined(input.maxUploadsPerToken),
    minUploadRate: Option.getOrUndefined(input.minUploadRate),
    maxConnections: Option.getOrUndefined(input.maxConnections),
    maxSize: Option.getOrUndefined(input.maxSize),
    ttl: Option.getOrUndefined(input.ttl),
    activityRetention: Option.getOrUndefined(input.activityRetention),
    redis: Option.getOrUndefined(input.redis),
    config: Option.getOrUndefined(input.config),
    access: Option.getOrUndefined(input.access),
    logFormat: Option.getOrUndefined(input.logFormat),
    accessLog: Option.getOrUndefined(input.accessLog),
    fsync: Option.getOrUndefined(input.fsync),
    indexWriterThread: Option.getOrUndefined(input.indexWriterThread),
    metricsPort: Option.getOrUndefined(input.metricsPort),
    metricsToken: Option.getOrUndefined(input.metricsToken),
    otlpEndpoint: Option.getOrUndefined(input.otlpEndpoint)
  }, process.env)
  const storage = yield* storageFromSpec(loaded.storage, process.env, { fsync: loaded.fsync })
  const index = yield* indexFromSpec(loaded.index, { writerThread: loaded.indexWriterThread })
  const config = yield* withStoredBytes(loaded, index.layer)
  const tokens = yield* resolveTokens(config)

  yield* Effect.gen(function*() {
    const server = yield* serve({ port: config.port, host: config.host, basePath: config.basePath, maxConnections: config.maxConnections, routes: DashboardRoutes, ...observation(config) }).pipe(
      Effect.mapError((error) => new ConfigError({ path: "port", message: error.message }))
    )
    const metricsServer = config.metricsPort === undefined ? undefined : yield* serveMetrics({ port: config.metricsPort, host: config.host }).pipe(
      Effect.mapError((error) => new ConfigError({ path: "metricsPort", message: error.message }))
    )
    yield* Console.log(startupBanner(config, server, storage.description, index.description, tokens, metricsServer))
    yield* Effect.logDebug("ready")
    return yield* Effect.never
  }).pipe(
    // The server's scope closes first (in-flight requests finish and record
    // what they did), then the services' (the index writer drains its queue).
    Effect.scoped,
    Effect.provide(hoardLayer(config, storage, index, tokens)),
    Effect.mapError((error) =>
      error instanceof ConfigError
        ? error
        : isIndexError(error)
        ? new ConfigError({ path: "index", message: `index ${index.description} is not usable: ${error.message}` })
        : new ConfigError({ path: "storage", message: `storage ${storage.description} is not usable: ${messageOf(error)}` })
    ),
    Effect.provide(tracerLayer(config)),
    Effect.provideService(Logger.CurrentLoggers, loggersOf(config)),
    Effect.provideService(References.MinimumLogLevel, effectLogLevel[config.logLevel])
  )
})).pipe(Command.withDescription("Run the Turborepo remote cache server"))

/** What the server observes per request: the access log, and the request metrics when someone can scrape them. */
const observation = (config: ServeConfig) => ({
  accessLog: config.accessLog,
  requestMetrics: config.metricsPort !== undefined || config.metricsToken !== undefined,
  ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken })
})

/**
 * The exporting tracer when tracing is on. Otherwise tracing is switched off,
 * so requests make no spans at all (Effect's default tracer would still make
 * and time one per request, per storage call and per index call, for no one).
 */
const tracerLayer = ({ tracing }: ServeConfig) =>
  tracing === undefined ? Layer.succeed(References.TracerEnabled, false) : Tracing.layerOtlp({
    url: tracing.url,
    serviceName: tracing.serviceName,
    ...(tracing.exportIntervalMs !== undefined && { exportInterval: Duration.millis(tracing.exportIntervalMs) })
  })

/** JSON or pretty lines on stdout; with tracing on, log lines also become events of the current span. */
const loggersOf = (config: ServeConfig): ReadonlySet<Logger.Logger<unknown, any>> =>
  new Set([
    config.logFormat === "json" ? Logger.consoleJson : Logger.consolePretty(),
    ...(config.tracing === undefined ? [] : [Logger.tracerLogger])
  ])

const isIndexError = (error: unknown): error is IndexError =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "IndexError"

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
