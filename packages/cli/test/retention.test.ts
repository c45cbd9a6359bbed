import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import { CacheIndex, RetentionConfig } from "@hoard/core"
import { mkdtempSync, statfsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startupBanner } from "../src/commands/banner.ts"
import { hoardLayer } from "../src/commands/serve.ts"
import { readConfigFile } from "../src/config/ConfigFile.ts"
import { indexFromSpec } from "../src/config/indexLayer.ts"
import { resolveServeConfig } from "../src/config/ServeConfig.ts"
import type { ServeConfig, ServeFlags } from "../src/config/ServeConfig.ts"
import { defaultBudget, withStoredBytes } from "../src/config/retention.ts"
import { storageFromSpec } from "../src/config/storageLayer.ts"
import { resolveTokens } from "../src/config/tokens.ts"
import { parseAge, showAge, showBytes } from "../src/config/units.ts"
import { configDir, load, messageOf } from "./configFiles.ts"

const noFlags: ServeFlags = { tokens: [] }
const GiB = 2 ** 30
const day = 86_400_000

const retentionOf = ({ activityRetentionMs, maxSizeBytes, maxSizeIsDefault, ttlMs }: ServeConfig) => ({
  maxSizeBytes,
  maxSizeIsDefault,
  ttlMs,
  activityRetentionMs
})

/** What the default budget of a directory on this filesystem is, with `statfs` measured here. */
const expectedDefault = (directory: string): number => {
  const { bavail, bsize } = statfsSync(directory)
  return Math.min(20 * GiB, Math.floor((bavail * bsize) / 2))
}

describe("ages", () => {
  it("parses turbo-like ages: a whole number and s, m, h, d or w, or the long forms", () => {
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["30s", 30_000],
      ["90m", 90 * 60_000],
      ["12h", 12 * 3_600_000],
      ["7d", 7 * day],
      ["2w", 14 * day],
      ["7 days", 7 * day],
      ["1 week", 7 * day],
      ["1 Hour", 3_600_000],
      [" 45 minutes ", 45 * 60_000]
    ]
    for (const [input, millis] of cases) assert.strictEqual(parseAge(input), millis, input)
    for (const bad of ["", "7", "7y", "1.5d", "0d", "-1d", "7 d s", "10ms", "d", "none"]) assert.isUndefined(parseAge(bad), bad)
    assert.deepStrictEqual([showAge(90 * day), showAge(36 * 3_600_000), showAge(90_000), showAge(1_500)], ["90d", "36h", "90s", "1500ms"])
    assert.deepStrictEqual([showBytes(20 * GiB), showBytes(500e6), showBytes(7.25 * GiB + 1), showBytes(12)], ["20GiB", "500MB", "7.3GiB", "12 bytes"])
  })
})

describe("--max-size, --ttl and --activity-retention", () => {
  it.effect("come from flags over HOARD_* env vars over the config file", () =>
    Effect.gen(function*() {
      const dir = configDir({ storage: "memory", maxSize: "1GiB", ttl: "30d", activityRetention: "1w" })
      assert.deepStrictEqual(retentionOf(yield* load(dir)), {
        maxSizeBytes: GiB,
        maxSizeIsDefault: false,
        ttlMs: 30 * day,
        activityRetentionMs: 7 * day
      })
      const env = { HOARD_MAX_SIZE: "2GiB", HOARD_TTL: "12h", HOARD_ACTIVITY_RETENTION: "10d" }
      assert.deepStrictEqual(retentionOf(yield* load(dir, {}, env)), {
        maxSizeBytes: 2 * GiB,
        maxSizeIsDefault: false,
        ttlMs: 12 * 3_600_000,
        activityRetentionMs: 10 * day
      })
      assert.deepStrictEqual(retentionOf(yield* load(dir, { maxSize: "500MB", ttl: "90m", activityRetention: "2w" }, env)), {
        maxSizeBytes: 500e6,
        maxSizeIsDefault: false,
        ttlMs: 90 * 60_000,
        activityRetentionMs: 14 * day
      })
      // A number of bytes in the file is a size too.
      assert.strictEqual((yield* load(configDir({ storage: "memory", maxSize: 1234567 }))).maxSizeBytes, 1234567)
    }))

  it.effect("take none for no budget, no TTL and an activity record kept for ever, from any source", () =>
    Effect.gen(function*() {
      const none = { maxSizeBytes: undefined, maxSizeIsDefault: false, ttlMs: undefined, activityRetentionMs: undefined }
      const dir = configDir({ maxSize: "none", ttl: "none", activityRetention: "none" })
      assert.deepStrictEqual(retentionOf(yield* load(dir)), none)
      assert.deepStrictEqual(
        retentionOf(yield* resolveServeConfig(noFlags, { HOARD_MAX_SIZE: "none", HOARD_TTL: "None", HOARD_ACTIVITY_RETENTION: "NONE" }, {})),
        none
      )
      assert.deepStrictEqual(
        retentionOf(yield* resolveServeConfig({ ...noFlags, maxSize: "none", ttl: "none", activityRetention: "none" }, { HOARD_TTL: "7d" }, {})),
        none
      )
      // `none` on the command line wins over a value in the file.
      assert.deepStrictEqual(retentionOf(yield* load(configDir({ maxSize: "1GiB", ttl: "1d" }), { maxSize: "none", ttl: "none" })).maxSizeBytes, undefined)
    }))

  it.effect("default to no TTL and 90 days of activity", () =>
    Effect.gen(function*() {
      const config = yield* resolveServeConfig({ ...noFlags, storage: "memory" }, {}, {})
      assert.deepStrictEqual(retentionOf(config), { maxSizeBytes: undefined, maxSizeIsDefault: true, ttlMs: undefined, activityRetentionMs: 90 * day })
    }))

  it.effect("explain a bad value in one line naming where it came from", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* messageOf(resolveServeConfig({ ...noFlags, maxSize: "10XB" }, {}, {})),
        "invalid --max-size: \"10XB\" is not a size: use bytes or a unit, e.g. 500MB or 10GiB, or none"
      )
      assert.strictEqual(
        yield* messageOf(resolveServeConfig(noFlags, { HOARD_TTL: "7y" }, {})),
        "invalid HOARD_TTL: \"7y\" is not an age: a whole number and a unit s, m, h, d or w, e.g. 12h or 7d, or none"
      )
      assert.strictEqual(
        yield* messageOf(resolveServeConfig({ ...noFlags, activityRetention: "1.5d" }, { HOARD_ACTIVITY_RETENTION: "7y" }, {})),
        "invalid --activity-retention: \"1.5d\" is not an age: a whole number and a unit s, m, h, d or w, e.g. 12h or 7d, or none"
      )
      assert.strictEqual(
        yield* messageOf(resolveServeConfig(noFlags, { HOARD_MAX_SIZE: "0" }, {})),
        "invalid HOARD_MAX_SIZE: \"0\" is not a size: use bytes or a unit, e.g. 500MB or 10GiB, or none"
      )
      for (const [content, expected] of [
        [{ maxSize: "lots" }, "maxSize: \"lots\" is not a size"],
        [{ ttl: "forever" }, "ttl: \"forever\" is not an age"],
        [{ activityRetention: "3 months" }, "activityRetention: \"3 months\" is not an age"]
      ] as const) {
        const dir = configDir(content)
        const message = yield* messageOf(readConfigFile(join(dir, "hoard.config.json")))
        assert.include(message, `invalid config file ${join(dir, "hoard.config.json")}: ${expected}`)
        assert.notInclude(message, "\n")
      }
    }))

  it.effect("default the budget of fs storage to the smaller of 20 GiB and half the free space of its filesystem", () =>
    Effect.gen(function*() {
      const parent = mkdtempSync(join(tmpdir(), "hoard-cli-free-"))
      // The storage directory does not exist yet: its nearest existing ancestor is measured.
      const storage = join(parent, "not", "yet", "artifacts")
      const before = expectedDefault(parent)
      const config = yield* resolveServeConfig({ ...noFlags, storage }, {}, {})
      const after = expectedDefault(parent)
      assert.isTrue(config.maxSizeIsDefault)
      // Other tests may write to this filesystem meanwhile: the value is that of a moment in between.
      if (before === after) assert.strictEqual(config.maxSizeBytes, before)
      else assert.isTrue(config.maxSizeBytes! >= Math.min(before, after) && config.maxSizeBytes! <= Math.max(before, after))
      // A file:// URL and the default storage in the data dir are directories too.
      const fromUrl = yield* resolveServeConfig({ ...noFlags, storage: `file://${storage}` }, {}, {})
      assert.isTrue(fromUrl.maxSizeIsDefault && fromUrl.maxSizeBytes !== undefined && fromUrl.maxSizeBytes <= 20 * GiB)
      const inDataDir = yield* resolveServeConfig({ ...noFlags, dataDir: join(parent, "data") }, {}, {})
      assert.isTrue(inDataDir.maxSizeBytes !== undefined && inDataDir.maxSizeBytes <= 20 * GiB)
      // A set size wins.
      const set = yield* resolveServeConfig({ ...noFlags, storage, maxSize: "10GiB" }, {}, {})
      assert.deepStrictEqual([set.maxSizeBytes, set.maxSizeIsDefault], [10 * GiB, false])
    }))

  it("count what the cache already holds as usable, so a full cache's default budget does not shrink at restart", () => {
    assert.strictEqual(defaultBudget(10 * GiB, 0), 5 * GiB)
    // Full at 5 GiB with 5 GiB left free: the budget stays 5 GiB, not 2.5.
    assert.strictEqual(defaultBudget(5 * GiB, 5 * GiB), 5 * GiB)
    assert.strictEqual(defaultBudget(100 * GiB, 0), 20 * GiB)
  })

  it.effect("read what the cache holds from its index for the default budget, and keep a budget that was set", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "hoard-cli-stored-"))
      const index = yield* indexFromSpec(`sqlite:${join(dir, "hoard.db")}`)
      const uploaded = (hash: string, size: number) => ({
        _tag: "Event" as const,
        store: true,
        event: { id: `000000000001${hash.slice(0, 12)}`, event_type: "artifact.uploaded" as const, created_at: 1, team_id: "team_a", data: { hash, size } }
      })
      yield* Effect.gen(function*() {
        const cacheIndex = yield* CacheIndex
        yield* cacheIndex.write([uploaded("aaaaaaaaaaaaaaaa", 3 * GiB), uploaded("bbbbbbbbbbbbbbbb", 1 * GiB)])
      }).pipe(Effect.provide(index.layer), Effect.scoped)
      const base: ServeConfig = { ...(yield* resolveServeConfig({ ...noFlags, storage: join(dir, "artifacts") }, {}, {})), maxSizeBytes: 1 }
      const withStored = yield* withStoredBytes(base, index.layer)
      const free = statfsSync(dir)
      assert.strictEqual(withStored.maxSizeBytes, defaultBudget(free.bavail * free.bsize, 4 * GiB))
      const set = yield* withStoredBytes({ ...base, maxSizeIsDefault: false }, index.layer)
      assert.strictEqual(set.maxSizeBytes, 1)
    }))

  it.effect("leave memory and cloud storage without a default budget", () =>
    Effect.gen(function*() {
      for (const storage of ["memory", "memory:512MiB", "gs://bucket/prefix", "s3://bucket", "azure://container/prefix"]) {
        const config = yield* resolveServeConfig({ ...noFlags, storage }, {}, {})
        assert.deepStrictEqual([config.maxSizeBytes, config.maxSizeIsDefault], [undefined, true], storage)
      }
    }))

  it.effect("are printed in the start-up banner", () =>
    Effect.gen(function*() {
      const server = { port: 4000, host: "127.0.0.1" }
      const bannerOf = (config: ServeConfig) =>
        Effect.map(resolveTokens(config), (tokens) => startupBanner(config, server, "memory", "sqlite in memory", tokens))
      const defaulted = yield* resolveServeConfig({ tokens: ["t"], storage: mkdtempSync(join(tmpdir(), "hoard-cli-banner-")) }, {}, {})
      const defaultBanner = yield* bannerOf(defaulted)
      assert.include(defaultBanner, `\n  max size: ${showBytes(defaulted.maxSizeBytes!)} (default: the smaller of 20GiB and half of free space plus cache)\n`)
      assert.include(defaultBanner, "\n  retention: ttl none, activity kept 90d\n")
      assert.include(defaultBanner, "\n  rate limits: per replica (in memory)\n")

      const memory = yield* bannerOf(yield* resolveServeConfig({ tokens: ["t"], storage: "memory" }, {}, {}))
      assert.include(memory, "\n  max size: none\n")
      const set = yield* bannerOf(
        yield* resolveServeConfig({ tokens: ["t"], storage: "memory", maxSize: "10GiB", ttl: "2w", activityRetention: "none" }, {}, {})
      )
      assert.include(set, "\n  max size: 10GiB\n")
      assert.include(set, "\n  retention: ttl 14d, activity kept for ever\n")
    }))

  it.effect("reach Hoard.layer, which accepts them and a team's own maxSize", () =>
    Effect.gen(function*() {
      const dir = configDir({
        storage: "memory",
        index: "sqlite::memory:",
        maxSize: "1GiB",
        ttl: "7d",
        teams: [{ id: "team_web", slug: "web", quota: "50GiB", maxSize: "10GiB" }, { id: "team_docs", slug: "docs", maxSize: 1048576 }],
        tokens: [{ name: "ci", token: "ci-token-0123456789abc", teams: { web: "read-write" } }]
      })
      const config = yield* load(dir)
      assert.deepStrictEqual(config.teams.map((team) => team.maxSize), ["10GiB", 1048576])
      const banner = startupBanner(config, { port: 1, host: "127.0.0.1" }, "memory", "sqlite in memory", yield* resolveTokens(config))
      assert.include(banner, "  teams: web (team_web), docs (team_docs)\n")
      const layer = hoardLayer(config, yield* storageFromSpec(config.storage), yield* indexFromSpec(config.index), yield* resolveTokens(config))
      const settings = yield* Effect.scoped(Effect.map(Layer.build(layer), Context.get(RetentionConfig)))
      assert.deepStrictEqual(
        [settings.maxSizeBytes, settings.ttlMs, settings.activityRetentionMs],
        [GiB, 7 * day, 90 * day]
      )
      // `none` reaches it as none.
      const none = yield* resolveServeConfig({ tokens: ["t"], storage: "memory", index: "sqlite::memory:", activityRetention: "none" }, {}, {})
      const noneLayer = hoardLayer(none, yield* storageFromSpec(none.storage), yield* indexFromSpec(none.index), yield* resolveTokens(none))
      const noneSettings = yield* Effect.scoped(Effect.map(Layer.build(noneLayer), Context.get(RetentionConfig)))
      assert.deepStrictEqual([noneSettings.maxSizeBytes, noneSettings.ttlMs, noneSettings.activityRetentionMs], [undefined, undefined, undefined])

      const misspelt = yield* messageOf(load(configDir({ teams: [{ id: "team_web", slug: "web", maxsize: "1GiB" }] })))
      assert.include(misspelt, "teams[0].maxsize: unknown key")
      const bad = yield* messageOf(load(configDir({ teams: [{ id: "team_web", slug: "web", maxSize: "lots" }] })))
      assert.include(bad, "teams[0].maxSize: ")
    }))
})

describe("--redis", () => {
  it.effect("comes from --redis, HOARD_REDIS or the config file, stays Redacted, and the banner masks its password", () =>
    Effect.gen(function*() {
      const dir = configDir({ storage: "memory", redis: "redis://:file-secret@file-host:6379" })
      const url = (config: ServeConfig) => config.redis === undefined ? undefined : Redacted.value(config.redis)
      assert.strictEqual(url(yield* load(dir)), "redis://:file-secret@file-host:6379")
      assert.strictEqual(url(yield* load(dir, {}, { HOARD_REDIS: "redis://env-host:6380/1" })), "redis://env-host:6380/1")
      const fromFlag = yield* load(dir, { redis: "rediss://user:flag-secret@flag-host:6390/2" }, { HOARD_REDIS: "redis://env-host" })
      assert.strictEqual(url(fromFlag), "rediss://user:flag-secret@flag-host:6390/2")
      assert.notInclude(String(fromFlag.redis), "flag-secret")
      assert.isUndefined((yield* resolveServeConfig(noFlags, {}, {})).redis)

      const banner = startupBanner(yield* load(dir, { tokens: ["t"] }), { port: 1, host: "127.0.0.1" }, "memory", "sqlite", yield* resolveTokens(fromFlag))
      assert.include(banner, "\n  rate limits: shared in redis redis://:***@file-host:6379\n")
      assert.notInclude(banner, "file-secret")
    }))

  it.effect("refuses what is not a Redis URL, naming the source and never repeating the value", () =>
    Effect.gen(function*() {
      for (const [flags, env, expected] of [
        [{ redis: "http://host:6379" }, {}, "invalid --redis: a Redis URL is redis://[[user]:password@]host[:port][/db] (rediss:// for TLS)"],
        [{}, { HOARD_REDIS: "redis://:s3cret@host/cache" }, "invalid HOARD_REDIS: a Redis URL is redis://[[user]:password@]host[:port][/db] (rediss:// for TLS): the database is a number, e.g. /0"],
        [{}, { HOARD_REDIS: "s3cret" }, "invalid HOARD_REDIS: a Redis URL is redis://[[user]:password@]host[:port][/db] (rediss:// for TLS)"]
      ] as const) {
        assert.strictEqual(yield* messageOf(resolveServeConfig({ ...noFlags, ...flags }, env, {})), expected)
      }
      const dir = configDir({ redis: "redis://:s3cret@" })
      const message = yield* messageOf(readConfigFile(join(dir, "hoard.config.json")))
      assert.include(message, `invalid config file ${join(dir, "hoard.config.json")}: redis: a Redis URL is`)
      assert.notInclude(message, "s3cret")
    }))
})
