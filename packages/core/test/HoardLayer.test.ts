import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { AccessConfig } from "../src/access/AccessConfig.ts"
import * as Hoard from "../src/Hoard.ts"
import type { HoardOptions } from "../src/Hoard.ts"
import { ConfigError, HoardConfig, defaultConfig } from "../src/HoardConfig.ts"
import { CacheIndex } from "../src/index/CacheIndex.ts"
import { ArtifactStorage } from "../src/storage/ArtifactStorage.ts"

// Bad options must fail before storage or the index is built.
const storage = Layer.effect(ArtifactStorage, Effect.die("storage was built despite bad options"))
const index = Layer.effect(CacheIndex, Effect.die("the index was built despite bad options"))

const token = "a-token-of-at-least-16-chars"
// Configs as a library user writes them, mistakes included: the layer checks them.
const teams = [{ id: "team_web", slug: "web" }, { id: "team_docs", slug: "docs" }] as unknown as AccessConfig["teams"]
const access = (config: { readonly teams: ReadonlyArray<unknown>; readonly tokens?: ReadonlyArray<unknown>; readonly jwt?: unknown }) =>
  config as AccessConfig

/** The typed error `Hoard.layer` fails with (a throw or a defect fails the test). */
const refusal = (options: Omit<HoardOptions, "storage" | "index">) =>
  Effect.flip(Layer.build(Hoard.layer({ storage, index, ...options })).pipe(Effect.scoped))

describe("Hoard.layer with bad options", () => {
  it.effect("fails with a ConfigError naming the field, not a throw or a defect", () =>
    Effect.gen(function*() {
      const secret = yield* refusal({ tokens: [token], downloadUrlSecret: "too-short-secret" })
      assert.instanceOf(secret, ConfigError)
      assert.strictEqual(secret.path, "downloadUrlSecret")
      assert.strictEqual(secret.message, "downloadUrlSecret: a download URL secret is at least 32 characters")
      assert.notInclude(secret.message, "too-short-secret")

      const ttl = yield* refusal({ tokens: [token], downloadUrlTtlSeconds: 0 })
      assert.strictEqual(ttl.path, "downloadUrlTtlSeconds")

      const url = yield* refusal({ tokens: [token], publicUrl: "cache.example.com" })
      assert.include(url.message, "publicUrl: a public URL is http(s)://")

      const budget = yield* refusal({ tokens: [token], retention: { maxSizeBytes: -1 } })
      assert.strictEqual(budget.path, "retention.maxSizeBytes")
      const age = yield* refusal({ tokens: [token], retention: { ttl: "seven days" as never } })
      assert.strictEqual(age.path, "retention.ttl")
      assert.include(age.message, "is not a duration")
      const watermark = yield* refusal({ tokens: [token], retention: { lowWatermark: 1.5 } })
      assert.strictEqual(watermark.path, "retention.lowWatermark")

      const noAuth = yield* refusal({})
      assert.strictEqual(noAuth.path, "tokens")
      assert.include(noAuth.message, "Hoard needs `tokens`")

      const emptyToken = yield* refusal({ tokens: [""] })
      assert.strictEqual(emptyToken.message, "tokens[0]: a token is not empty")
    }))

  it.effect("cross-checks the access config: one id or slug per team, one name and secret per token", () =>
    Effect.gen(function*() {
      const sameId = yield* refusal({ access: access({ teams: [...teams, { id: "team_web", slug: "web2" }], tokens: [{ name: "ci", token, teams: { web: "read" } }] }) })
      assert.instanceOf(sameId, ConfigError)
      assert.strictEqual(sameId.message, "access: teams[2]: id \"team_web\" is already the id of teams[0]")

      const sameSlug = yield* refusal({ access: access({ teams: [...teams, { id: "team_x", slug: "team_docs" }], tokens: [{ name: "ci", token, teams: { web: "read" } }] }) })
      assert.include(sameSlug.message, "slug \"team_docs\" is already the id of teams[1]")

      const sameSecret = yield* refusal({
        access: access({
          teams,
          tokens: [
            { name: "a", token, teams: { web: "read" } },
            { name: "b", sha256: createHash("sha256").update(token).digest("hex"), teams: { docs: "read" } }
          ]
        })
      })
      assert.strictEqual(sameSecret.message, "access: tokens \"a\" (tokens[0]) and \"b\" (tokens[1]) have the same secret")
      assert.notInclude(sameSecret.message, token)

      const sameName = yield* refusal({
        access: access({ teams, tokens: [{ name: "ci", token, teams: { web: "read" } }, { name: "ci", token: `${token}-2`, teams: { web: "read" } }] })
      })
      assert.include(sameName.message, "two tokens are named \"ci\": tokens[0] and tokens[1]")

      const unknownTeam = yield* refusal({ access: access({ teams, tokens: [{ name: "ci", token, teams: { webb: "read" } }] }) })
      assert.include(unknownTeam.message, "grants team \"webb\", which is not configured (teams: web, docs)")

      const badJwks = yield* refusal({ access: access({ teams: [], jwt: { jwksUrl: "http://" } }) })
      assert.strictEqual(badJwks.message, "access.jwt.jwksUrl: a JWKS URL is an http(s) URL")
    }))

  it("the AccessConfig schema itself refuses what Hoard.layer refuses", () => {
    const decode = Schema.decodeUnknownExit(AccessConfig)
    assert.isTrue(decode({ teams: [...teams, { id: "team_web2", slug: "web" }] })._tag === "Failure")
    assert.isTrue(decode({ teams, tokens: [{ name: "jwt:ci", token, teams: { web: "read" } }] })._tag === "Failure")
    assert.isTrue(decode({ teams, tokens: [{ name: "ci", token, teams: {} }] })._tag === "Failure")
    assert.isTrue(decode({ teams, tokens: [{ name: "ci", token, teams: { web: "read", "*": "admin" } }] })._tag === "Success")
  })
})

describe("HoardConfig", () => {
  it.effect("fills in each default, written once in its schema", () =>
    Effect.gen(function*() {
      const defaults = {
        maxArtifactBytes: 2 * 2 ** 30,
        maxJsonBytes: 2 ** 20,
        downloadUrlTtlSeconds: 300,
        maxConcurrentUploads: 256,
        maxConcurrentUploadsPerToken: 64,
        minUploadBytesPerSecond: 10 * 1024,
        uploadRateWindowSeconds: 30
      }
      assert.deepStrictEqual(defaultConfig, defaults)
      const config = yield* Effect.gen(function*() { return yield* HoardConfig }).pipe(Effect.provide(HoardConfig.layer({ maxArtifactBytes: 1000, downloadUrlTtlSeconds: 1.5 })))
      assert.deepStrictEqual(config, { ...defaults, maxArtifactBytes: 1000, downloadUrlTtlSeconds: 1.5 })
    }))
})
