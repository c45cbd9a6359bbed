import { Console, Effect, Option, References } from "effect"
import { Command, Flag } from "effect/cli"
import { Hoard } from "@hoard/core"
import type { IndexError } from "@hoard/core"
import { serve } from "@hoard/transport-node-http"
import { ConfigError } from "../config/ConfigError.ts"
import { loadServeConfig } from "../config/loadConfig.ts"
import type { LogLevel, ServeConfig } from "../config/ServeConfig.ts"
import { indexFromSpec } from "../config/indexLayer.ts"
import type { IndexChoice } from "../config/indexLayer.ts"
import { storageFromSpec } from "../config/storageLayer.ts"
import type { StorageChoice } from "../config/storageLayer.ts"
import { resolveTokens } from "../config/tokens.ts"
import type { ResolvedTokens } from "../config/tokens.ts"
import { startupBanner } from "./banner.ts"

const flags = {
  port: Flag.Int("port").pipe(Flag.withAlias("p"), Flag.withDescription("Port to listen on (env HOARD_PORT; default 3000)"), Flag.optional),
  host: Flag.String("host").pipe(Flag.withDescription("Interface to bind (env HOARD_HOST; default 127.0.0.1, use 0.0.0.0 for remote clients)"), Flag.optional),
  basePath: Flag.String("base-path").pipe(Flag.withDescription("Serve under a path prefix, e.g. /cache (env HOARD_BASE_PATH)"), Flag.optional),
  storage: Flag.String("storage").pipe(Flag.withAlias("s"), Flag.withDescription("memory, memory:<size>, a directory or file:// URL, gs://bucket/prefix, s3://bucket/prefix, azure://container/prefix (env HOARD_STORAGE; default <data-dir>/artifacts)"), Flag.optional),
  index: Flag.String("index").pipe(Flag.withDescription("The cache index: sqlite:<path> or postgres://user:password@host/db for several replicas (env HOARD_INDEX; default sqlite:<data-dir>/hoard.db)"), Flag.optional),
  dataDir: Flag.String("data-dir").pipe(Flag.withDescription("Folder for the generated token and default storage (env HOARD_DATA_DIR; default .hoard)"), Flag.optional),
  token: Flag.String("token").pipe(Flag.withAlias("t"), Flag.withDescription("Accepted bearer token, for every team; repeat for several (env HOARD_TOKENS, comma-separated)"), Flag.atLeast(0)),
  maxArtifactSize: Flag.String("max-artifact-size").pipe(Flag.withDescription("Largest accepted artifact, e.g. 500MB, 2GiB (env HOARD_MAX_ARTIFACT_SIZE; default 2GiB)"), Flag.optional),
  logLevel: Flag.String("log-level").pipe(Flag.withDescription("debug, info, warn or error (env HOARD_LOG_LEVEL; default info)"), Flag.optional),
  config: Flag.String("config").pipe(Flag.withAlias("c"), Flag.withDescription("JSON config file (env HOARD_CONFIG; default ./hoard.config.json when present)"), Flag.optional),
  access: Flag.String("access").pipe(Flag.withDescription("JSON file with teams, tokens and jwt only, e.g. a mounted secret (env HOARD_ACCESS; or the config file's \"access\")"), Flag.optional)
}

const effectLogLevel: Record<LogLevel, "Debug" | "Info" | "Warn" | "Error"> = {
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error"
}

/** The services of a `hoard serve` with this configuration. */
export const hoardLayer = (config: ServeConfig, storage: StorageChoice, index: IndexChoice, tokens: ResolvedTokens) =>
  Hoard.layer({
    storage: storage.layer,
    index: index.layer,
    access: {
      teams: config.teams,
      tokens: tokens.tokens,
      ...(config.jwt !== undefined && { jwt: config.jwt })
    },
    maxArtifactBytes: config.maxArtifactBytes,
    ...(config.downloadUrlTtlSeconds !== undefined && { downloadUrlTtlSeconds: config.downloadUrlTtlSeconds }),
    ...(config.downloadUrlSecret !== undefined && { downloadUrlSecret: config.downloadUrlSecret }),
    ...(config.publicUrl !== undefined && { publicUrl: config.publicUrl })
  })

export const serveCommand = Command.make("serve", flags, Effect.fnUntraced(function*(input) {
  const config = yield* loadServeConfig({
    port: Option.getOrUndefined(input.port),
    host: Option.getOrUndefined(input.host),
    basePath: Option.getOrUndefined(input.basePath),
    storage: Option.getOrUndefined(input.storage),
    dataDir: Option.getOrUndefined(input.dataDir),
    index: Option.getOrUndefined(input.index),
    tokens: input.token,
    maxArtifactSize: Option.getOrUndefined(input.maxArtifactSize),
    logLevel: Option.getOrUndefined(input.logLevel),
    config: Option.getOrUndefined(input.config),
    access: Option.getOrUndefined(input.access)
  }, process.env)
  const storage = yield* storageFromSpec(config.storage)
  const index = yield* indexFromSpec(config.index)
  const tokens = yield* resolveTokens(config)

  yield* Effect.gen(function*() {
    const server = yield* serve({ port: config.port, host: config.host, basePath: config.basePath }).pipe(
      Effect.mapError((error) => new ConfigError({ message: error.message }))
    )
    yield* Console.log(startupBanner(config, server, storage.description, index.description, tokens))
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
        ? new ConfigError({ message: `index ${index.description} is not usable: ${error.message}` })
        : new ConfigError({ message: `storage ${storage.description} is not usable: ${messageOf(error)}` })
    ),
    Effect.provideService(References.MinimumLogLevel, effectLogLevel[config.logLevel])
  )
})).pipe(Command.withDescription("Run the Turborepo remote cache server"))

const isIndexError = (error: unknown): error is IndexError =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "IndexError"

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
