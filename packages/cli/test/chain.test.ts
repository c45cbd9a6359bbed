import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { inspect } from "node:util"
import { ConfigError } from "@hoard/core"
import { startupBanner } from "../src/commands/banner.ts"
import { hoardLayer } from "../src/commands/serve.ts"
import { indexFromSpec } from "../src/config/indexLayer.ts"
import { resolveServeConfig } from "../src/config/ServeConfig.ts"
import { storageFromSpec } from "../src/config/storageLayer.ts"
import { resolveTokens } from "../src/config/tokens.ts"
import { configDir, load, messageOf } from "./configFiles.ts"

const every = { "*": "admin" } as const
const teams = [{ id: "team_web", slug: "web" }, { id: "team_docs", slug: "docs" }]
const fileToken = "file-token-0123456789"

describe("--token and HOARD_TOKENS with a config file's team-bound tokens", () => {
  const dir = () => configDir({ teams, tokens: [{ name: "ci", token: fileToken, teams: { web: "read" } }] })

  it.effect("are added to the file's tokens, as every-team tokens, and the banner counts them all", () =>
    Effect.gen(function*() {
      const config = yield* load(dir(), { tokens: ["flag-token"] })
      assert.deepStrictEqual(config.tokens, [
        { name: "ci", token: fileToken, teams: { web: "read" } },
        { name: "token-2", token: "flag-token", teams: every }
      ])
      const banner = startupBanner(config, { port: 4000, host: "127.0.0.1" }, "memory", "sqlite in memory", yield* resolveTokens(config))
      assert.include(banner, "  tokens: 2 configured for 2 teams (1 for every team)\n")
      assert.notInclude(banner, "flag-token")

      const fromEnv = yield* load(dir(), {}, { HOARD_TOKENS: "env-a,env-b" })
      assert.deepStrictEqual(fromEnv.tokens.map((token) => [token.name, token.teams]), [
        ["ci", { web: "read" }],
        ["token-2", every],
        ["token-3", every]
      ])
      // The flag wins over the env var, as for every setting; the file's tokens stay.
      const both = yield* load(dir(), { tokens: ["flag-token"] }, { HOARD_TOKENS: "env-a" })
      assert.deepStrictEqual(both.tokens.map((token) => token.name), ["ci", "token-2"])
      assert.strictEqual(both.tokens[1]!.token, "flag-token")
    }))

  it.effect("refuse, naming both places, a --token that is also a file token", () =>
    Effect.gen(function*() {
      const message = yield* messageOf(load(dir(), { tokens: [fileToken] }))
      assert.match(message, /^tokens "ci" \(tokens\[0\] in \S+hoard\.config\.json\) and "token-2" \(--token #1\) have the same secret$/)
      assert.notInclude(message, fileToken)
    }))
})

describe("the configuration chain", () => {
  it.effect("names the flag, env var or file key a bad value came from, on one line", () =>
    Effect.gen(function*() {
      const none = { tokens: [] }
      assert.match(yield* messageOf(resolveServeConfig({ ...none, port: "http" }, {}, {})), /^invalid --port "http": a port is an integer from 0 to 65535$/)
      assert.match(yield* messageOf(resolveServeConfig(none, { HOARD_PORT: "70000" }, {})), /^invalid HOARD_PORT "70000": a port is an integer from 0 to 65535$/)
      assert.match(yield* messageOf(resolveServeConfig(none, { HOARD_LOG_LEVEL: "loud" }, {})), /^invalid HOARD_LOG_LEVEL "loud": a log level is one of /)
      assert.match(yield* messageOf(resolveServeConfig(none, {}, { logLevel: "loud" as "info" }, { configPath: "x.json" })), /^invalid logLevel "loud" in x\.json: a log level is one of /)
      // First found wins: a good flag hides a bad env var.
      assert.strictEqual((yield* resolveServeConfig({ ...none, port: "4000" }, { HOARD_PORT: "http" }, {})).port, 4000)
      const error = yield* Effect.flip(resolveServeConfig(none, { HOARD_MAX_ARTIFACT_SIZE: "lots" }, {}))
      assert.instanceOf(error, ConfigError)
      assert.strictEqual(error.path, "maxArtifactSize")
      assert.notInclude(error.message, "\n")
    }))

  it.effect("keeps secrets Redacted: the download URL secret and the index URL's password never print", () =>
    Effect.gen(function*() {
      const secret = "s".repeat(40)
      const pg = "postgres://hoard:hunter2-password@db.internal:5432/hoard"
      const config = yield* resolveServeConfig({ tokens: [], index: pg }, { HOARD_DOWNLOAD_URL_SECRET: secret }, {})
      assert.isTrue(Redacted.isRedacted(config.index))
      assert.isTrue(config.downloadUrlSecret !== undefined && Redacted.isRedacted(config.downloadUrlSecret))
      assert.strictEqual(Redacted.value(config.downloadUrlSecret!), secret)
      const printed = `${inspect(config, { depth: 5 })} ${JSON.stringify(config)}`
      assert.notInclude(printed, secret)
      assert.notInclude(printed, "hunter2-password")
      assert.strictEqual((yield* indexFromSpec(config.index)).description, "postgres postgres://hoard:***@db.internal:5432/hoard")
      const short = yield* messageOf(resolveServeConfig({ tokens: [] }, { HOARD_DOWNLOAD_URL_SECRET: "short-secret" }, {}))
      assert.strictEqual(short, "invalid HOARD_DOWNLOAD_URL_SECRET: a download URL secret is at least 32 characters")
    }))

  it.effect("reports Hoard.layer's own ConfigError for options that skip the CLI's checks", () =>
    Effect.gen(function*() {
      const config = yield* resolveServeConfig({ tokens: ["a-plain-token"] }, {}, {})
      const bad = { ...config, downloadUrlSecret: Redacted.make("too-short") }
      const layer = hoardLayer(bad, yield* storageFromSpec("memory"), yield* indexFromSpec("sqlite::memory:"), yield* resolveTokens(bad))
      const error = yield* Effect.flip(Layer.build(layer).pipe(Effect.scoped))
      assert.instanceOf(error, ConfigError)
      assert.strictEqual((error as ConfigError).message, "downloadUrlSecret: a download URL secret is at least 32 characters")
    }))
})

describe("the upload and connection limits", () => {
  it.effect("default to core's, and come from flags, HOARD_* env vars or the config file", () =>
    Effect.gen(function*() {
      const defaults = yield* load(configDir({}))
      assert.deepStrictEqual(
        [defaults.maxConcurrentUploads, defaults.maxUploadsPerToken, defaults.minUploadBytesPerSecond, defaults.maxConnections],
        [256, 64, 10 * 1024, 1024]
      )
      const set = yield* load(
        configDir({ maxConnections: 10, minUploadRate: "2KiB" }),
        { maxUploadsPerToken: "3" },
        { HOARD_MAX_CONCURRENT_UPLOADS: "7", HOARD_MIN_UPLOAD_RATE: "0" }
      )
      assert.deepStrictEqual(
        [set.maxConcurrentUploads, set.maxUploadsPerToken, set.minUploadBytesPerSecond, set.maxConnections],
        [7, 3, 0, 10]
      )
    }))

  it.effect("refuse a bad value with one line naming where it came from", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* messageOf(load(configDir({}), { maxConcurrentUploads: "0" })),
        "invalid --max-concurrent-uploads \"0\": the most uploads at once is a whole number above 0"
      )
      assert.match(yield* messageOf(load(configDir({}), {}, { HOARD_MIN_UPLOAD_RATE: "fast" })), /^invalid HOARD_MIN_UPLOAD_RATE/u)
    }))
})
