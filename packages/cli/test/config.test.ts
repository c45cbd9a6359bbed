import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseByteSize } from "@hoard/core"
import { startupBanner } from "../src/commands/banner.ts"
import { readAccessFile, readConfigFile } from "../src/config/ConfigFile.ts"
import { loadServeConfig } from "../src/config/loadConfig.ts"
import { resolveServeConfig } from "../src/config/ServeConfig.ts"
import type { ServeFlags } from "../src/config/ServeConfig.ts"
import { indexFromSpec } from "../src/config/indexLayer.ts"
import { storageFromSpec } from "../src/config/storageLayer.ts"
import { resolveTokens } from "../src/config/tokens.ts"

const noFlags = { tokens: [] }
const every = { "*": "admin" } as const

/** Writes each file (name → JSON value) into a fresh temp dir; returns the dir. */
const writeFiles = (files: Record<string, unknown>): string => {
  const dir = mkdtempSync(join(tmpdir(), "hoard-cli-config-"))
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2))
  }
  return dir
}

/** `loadServeConfig` with `--config <dir>/hoard.config.json` (and more flags). */
const load = (dir: string, flags: Partial<ServeFlags> = {}, env: Record<string, string> = {}) =>
  loadServeConfig({ tokens: [], config: join(dir, "hoard.config.json"), ...flags }, env)

/** The message `load` fails with. */
const loadError = (files: Record<string, unknown>, flags: Partial<ServeFlags> = {}, env: Record<string, string> = {}) =>
  Effect.map(Effect.flip(load(writeFiles(files), flags, env)), (error) => error.message)

const teams: ReadonlyArray<Record<string, unknown>> = [
  { id: "team_web", slug: "web", name: "Web" },
  { id: "team_docs", slug: "docs" }
]
const readToken = "web-read-token-0123456789"
const writeToken = "web-write-token-0123456789"

describe("serve configuration", () => {
  it.effect("takes the index from --index, HOARD_INDEX or the config file; a bad one fails with one line", () =>
    Effect.gen(function*() {
      const pg = "postgres://hoard:s3cret@127.0.0.1:5432/hoard"
      // The index URL holds a password: it stays Redacted through the chain.
      const index = (config: { readonly index: Redacted.Redacted<string> }) => Redacted.value(config.index)
      assert.strictEqual(index(yield* resolveServeConfig({ ...noFlags, index: "sqlite:flag.db" }, { HOARD_INDEX: pg }, { index: "sqlite:file.db" })), "sqlite:flag.db")
      assert.strictEqual(index(yield* resolveServeConfig(noFlags, { HOARD_INDEX: pg }, { index: "sqlite:file.db" })), pg)
      assert.strictEqual(index(yield* resolveServeConfig(noFlags, {}, { index: "sqlite:file.db" })), "sqlite:file.db")
      assert.strictEqual(index(yield* resolveServeConfig({ ...noFlags, dataDir: "/srv/hoard" }, {}, {})), "sqlite:/srv/hoard/hoard.db")

      assert.strictEqual((yield* indexFromSpec("sqlite:rel/hoard.db")).description, `sqlite ${resolve("rel/hoard.db")}`)
      assert.strictEqual((yield* indexFromSpec("sqlite::memory:")).description, "sqlite in memory (lost at exit)")
      // The password never reaches the banner or an error.
      assert.strictEqual((yield* indexFromSpec(pg)).description, "postgres postgres://hoard:***@127.0.0.1:5432/hoard")
      const unsupported = yield* Effect.flip(indexFromSpec("mysql://root:hunter2@db/hoard"))
      assert.notInclude(unsupported.message, "hunter2")
      assert.include(unsupported.message, "use sqlite:<path> or postgres://")
      assert.include((yield* Effect.flip(indexFromSpec("sqlite:"))).message, "give a file")
    }))


  it("parses sizes with and without units", () => {
    assert.strictEqual(parseByteSize("1048576"), 1048576)
    assert.strictEqual(parseByteSize("500MB"), 500e6)
    assert.strictEqual(parseByteSize("2 GiB"), 2 * 2 ** 30)
    assert.strictEqual(parseByteSize("1.5kib"), 1536)
    for (const bad of ["", "lots", "-1", "0", "5 parsecs"]) assert.isUndefined(parseByteSize(bad), bad)
  })

  it.effect("has defaults that work: fs storage in the data folder, loopback, port 3000", () =>
    Effect.gen(function*() {
      const config = yield* resolveServeConfig(noFlags, {}, {})
      assert.strictEqual(config.port, 3000)
      assert.strictEqual(config.host, "127.0.0.1")
      assert.strictEqual(config.dataDir, resolve(".hoard"))
      assert.strictEqual(config.storage, resolve(".hoard", "artifacts"))
      assert.strictEqual(Redacted.value(config.index), `sqlite:${resolve(".hoard", "hoard.db")}`)
      assert.strictEqual(config.maxArtifactBytes, 2 * 2 ** 30)
      assert.strictEqual(config.logLevel, "info")
      assert.deepStrictEqual(config.tokens, [])
      assert.deepStrictEqual(config.teams, [])
      assert.isUndefined(config.jwt)
    }))

  it.effect("takes flags over HOARD_* env vars over the config file; plain tokens may use every team", () =>
    Effect.gen(function*() {
      const file = { port: 1, host: "file-host", storage: "memory", tokens: ["file-token", { name: "ci", token: "ci-token" }], logLevel: "error" as const }
      const env = { HOARD_PORT: "2", HOARD_HOST: "env-host", HOARD_TOKENS: "env-a, env-b" }
      const fileTokens = [
        { name: "token-1", token: "file-token", teams: every },
        { name: "ci", token: "ci-token", teams: every }
      ]
      const fromFile = yield* resolveServeConfig(noFlags, {}, file)
      assert.deepStrictEqual([fromFile.port, fromFile.host, fromFile.storage, fromFile.logLevel], [1, "file-host", "memory", "error"])
      assert.deepStrictEqual(fromFile.tokens, fileTokens)
      const fromEnv = yield* resolveServeConfig(noFlags, env, file)
      assert.deepStrictEqual([fromEnv.port, fromEnv.host], [2, "env-host"])
      // HOARD_TOKENS and --token add to the file's tokens.
      assert.deepStrictEqual(fromEnv.tokens, [
        ...fileTokens,
        { name: "token-3", token: "env-a", teams: every },
        { name: "token-4", token: "env-b", teams: every }
      ])
      const fromFlags = yield* resolveServeConfig({ port: 3, host: "flag-host", tokens: ["flag-token", "flag-token"] }, env, file)
      assert.deepStrictEqual([fromFlags.port, fromFlags.host], [3, "flag-host"])
      // A repeated flag is one token; --token wins over HOARD_TOKENS.
      assert.deepStrictEqual(fromFlags.tokens, [...fileTokens, { name: "token-3", token: "flag-token", teams: every }])
      const onlyFlags = yield* resolveServeConfig({ tokens: ["flag-token"] }, env, {})
      assert.deepStrictEqual(onlyFlags.tokens, [{ name: "token-1", token: "flag-token", teams: every }])
    }))

  it.effect("explains bad values", () =>
    Effect.gen(function*() {
      const port = yield* Effect.flip(resolveServeConfig(noFlags, { HOARD_PORT: "http" }, {}))
      assert.match(port.message, /^invalid HOARD_PORT "http": a port is an integer from 0 to 65535$/)
      const size = yield* Effect.flip(resolveServeConfig({ ...noFlags, maxArtifactSize: "huge" }, {}, {}))
      assert.match(size.message, /^invalid --max-artifact-size: "huge" is not a size: use bytes or a unit/)
      const level = yield* Effect.flip(resolveServeConfig({ ...noFlags, logLevel: "loud" }, {}, {}))
      assert.match(level.message, /^invalid --log-level "loud": a log level is one of debug, info, warn, error$/)
      const storage = yield* Effect.flip(storageFromSpec("ftp://bucket/x"))
      assert.match(storage.message, /unsupported storage "ftp:\/\/bucket\/x"/)
      const budget = yield* Effect.flip(storageFromSpec("memory:lots"))
      assert.match(budget.message, /invalid memory budget/)
    }))

  it.effect("reads memory, directories and file:// URLs as storage", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* storageFromSpec("memory")).description, "memory")
      assert.strictEqual((yield* storageFromSpec("memory:64MiB")).description, "memory (budget 64MiB)")
      assert.strictEqual((yield* storageFromSpec("./cache")).description, `fs ${resolve("cache")}`)
      assert.strictEqual((yield* storageFromSpec("file:///srv/cache")).description, "fs /srv/cache")
    }))
})

describe("teams, team-bound tokens and JWT in hoard.config.json", () => {
  it.effect("reads teams, team-bound tokens (plain text or SHA-256), the old token forms and jwt", () =>
    Effect.gen(function*() {
      const digest = createHash("sha256").update("stored-as-digest-0123").digest("hex")
      const dir = writeFiles({
        "hoard.config.json": {
          teams: [...teams, { id: "team_old", slug: "old", status: "paused", quota: "10GiB", createdAt: "2024-01-01T00:00:00Z" }],
          tokens: [
            "legacy-string",
            { name: "legacy-object", token: "short" },
            { token: "unnamed-object" },
            { name: "web-read", token: readToken, teams: { web: "read" } },
            { name: "web-write", sha256: digest, teams: { team_web: "read-write", docs: "read" }, rateLimit: { requests: 600, per: "1 minute" } },
            { name: "ops", token: "ops-token-0123456789abc", teams: { "*": "admin" } }
          ],
          jwt: { secret: "s".repeat(32), issuer: "https://ci.example", teamsClaim: "hoard_teams" }
        }
      })
      const config = yield* load(dir)
      assert.deepStrictEqual(config.teams.map((team) => team.slug), ["web", "docs", "old"])
      assert.deepStrictEqual(config.tokens, [
        { name: "token-1", token: "legacy-string", teams: every },
        { name: "legacy-object", token: "short", teams: every },
        { name: "token-3", token: "unnamed-object", teams: every },
        { name: "web-read", token: readToken, teams: { web: "read" } },
        { name: "web-write", sha256: digest, teams: { team_web: "read-write", docs: "read" }, rateLimit: { requests: 600, per: "1 minute" } },
        { name: "ops", token: "ops-token-0123456789abc", teams: every }
      ])
      assert.deepStrictEqual(config.jwt, { secret: "s".repeat(32), issuer: "https://ci.example", teamsClaim: "hoard_teams" })
    }))

  it.effect("names the file and the JSON path of a bad field, on one line", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ port: "three thousand" }, "port: Expected number"],
        [{ teams: [{ id: "web", slug: "web" }] }, "teams[0].id: a team id starts with team_"],
        [{ teams: [teams[0], { id: "team_x", slug: "Docs Team" }] }, "teams[1].slug: a slug is 1 to 100 lowercase letters"],
        [{ teams: [{ ...teams[0], status: "off" }] }, "teams[0].status: Expected \"enabled\" | \"disabled\" | \"paused\""],
        [{ teams: [{ ...teams[0], quota: "lots" }] }, "teams[0].quota: "],
        [{ teams: [{ ...teams[0], quta: "1GiB" }] }, "teams[0].quta: unknown key"],
        [{ tokens: ["ok", { name: "w", token: writeToken, teams: { web: "write" } }] }, "tokens[1].teams.web: Expected \"read\" | \"read-write\" | \"admin\""],
        [{ tokens: [{ name: "w", token: "short", teams: { web: "read" } }] }, "tokens[0].token: a token is at least 16 characters"],
        [{ tokens: [{ name: "w", token: writeToken, sha256: "a".repeat(64), teams: { web: "read" } }] }, "tokens[0]: give exactly one of `token` and `sha256`"],
        [{ tokens: [{ name: "w", sha256: "ABC", teams: { web: "read" } }] }, "tokens[0].sha256: a SHA-256 digest is 64 lowercase hex characters"],
        [{ tokens: [{ name: "w", sha256: "a".repeat(64) }] }, "tokens[0].teams: Missing key"],
        [{ tokens: [{ name: "w", token: writeToken, teams: { web: "read" }, rateLimit: { requests: 5, per: "fortnight" } }] }, "tokens[0].rateLimit.per: a window such as"],
        // A misspelt `teams` must not turn a token into one for every team.
        [{ tokens: [{ name: "w", token: writeToken, team: { web: "read" } }] }, "tokens[0].team: unknown key"],
        [{ tokens: [42] }, "tokens[0]: Expected a token string"],
        [{ jwt: { issuer: "x" } }, "jwt: give `secret` (HS256) or `jwksUrl` (RS256/ES256)"],
        [{ jwt: { secret: "short" } }, "jwt.secret: an HS256 secret is at least 32 characters"],
        [{ downloadUrlTtl: 0 }, "downloadUrlTtl: a download URL TTL is a whole number of seconds above 0"],
        [{ downloadUrlSecret: "short" }, "downloadUrlSecret: a download URL secret is at least 32 characters"],
        ["{ \"port\": 1,", "Expected"]
      ]
      for (const [content, expected] of cases) {
        const dir = writeFiles({ "hoard.config.json": content })
        const message = yield* Effect.map(Effect.flip(readConfigFile(join(dir, "hoard.config.json"))), (error) => error.message)
        assert.include(message, `invalid config file ${join(dir, "hoard.config.json")}: ${expected}`, JSON.stringify(content))
        assert.notInclude(message, "\n", JSON.stringify(content))
      }
    }))

  it.effect("never repeats a secret in an error", () =>
    Effect.gen(function*() {
      const secret = "do-not-print-me"
      const message = yield* loadError({ "hoard.config.json": { tokens: [{ name: "w", token: secret, teams: { web: "read" } }] } })
      assert.include(message, "tokens[0].token: a token is at least 16 characters")
      assert.notInclude(message, secret)
    }))

  it.effect("cross-checks grants, names and secrets, one clear line each", () =>
    Effect.gen(function*() {
      const file = (extra: Record<string, unknown>) => ({ "hoard.config.json": { teams, ...extra } })
      const where = (dir: string) => join(dir, "hoard.config.json")
      const unknownTeam = writeFiles(file({ tokens: [{ name: "ci", token: writeToken, teams: { web: "read", webb: "read" } }] }))
      assert.strictEqual(
        (yield* Effect.flip(load(unknownTeam))).message,
        `token "ci" (tokens[0] in ${where(unknownTeam)}) grants team "webb", which is not configured in ${where(unknownTeam)} (teams: web, docs)`
      )
      const duplicateName = writeFiles(file({
        tokens: [{ name: "ci", token: writeToken, teams: { web: "read" } }, "plain", { name: "ci", token: readToken, teams: { docs: "read" } }]
      }))
      assert.strictEqual(
        (yield* Effect.flip(load(duplicateName))).message,
        `two tokens are named "ci": tokens[0] in ${where(duplicateName)} and tokens[2] in ${where(duplicateName)}`
      )
      const digest = createHash("sha256").update(writeToken).digest("hex")
      const sameSecret = writeFiles(file({
        tokens: [{ name: "a", token: writeToken, teams: { web: "read" } }, { name: "b", sha256: digest, teams: { docs: "read" } }]
      }))
      assert.include((yield* Effect.flip(load(sameSecret))).message, `tokens "a" (tokens[0] in ${where(sameSecret)}) and "b" (tokens[1] in ${where(sameSecret)}) have the same secret`)
      assert.include(
        yield* loadError(file({ tokens: [{ name: "a", token: writeToken, teams: {} }] })),
        "token \"a\" (tokens[0] in "
      )
      assert.include(yield* loadError(file({ tokens: [{ name: "a", token: writeToken, teams: {} }] })), "grants no team")
      assert.include(yield* loadError(file({ tokens: [{ name: "jwt:ci", token: writeToken, teams: { web: "read" } }] })), "reserved for JWTs")
      const sameSlug = writeFiles({ "hoard.config.json": { teams: [...teams, { id: "team_web2", slug: "web" }] } })
      assert.strictEqual((yield* Effect.flip(load(sameSlug))).message, `teams[2] in ${where(sameSlug)}: slug "web" is already the slug of teams[0]`)
      assert.include(yield* loadError({ "hoard.config.json": { teams: [...teams, { id: "team_docs", slug: "docs2" }] } }), "teams[2] in ")
      assert.include(yield* loadError({ "hoard.config.json": { teams: [...teams, { id: "team_docs", slug: "docs2" }] } }), "id \"team_docs\" is already the id of teams[1]")
      // A slug that is another team's id would make `?slug=` ambiguous.
      assert.include(yield* loadError({ "hoard.config.json": { teams: [...teams, { id: "team_z", slug: "team_web" }] } }), "slug \"team_web\" is already the id of teams[0]")
    }))

  it.effect("lets grants name any team when no teams are configured (each team name is its own namespace)", () =>
    Effect.gen(function*() {
      const config = yield* load(writeFiles({ "hoard.config.json": { tokens: [{ name: "ci", token: writeToken, teams: { anything: "read" } }] } }))
      assert.deepStrictEqual(config.tokens, [{ name: "ci", token: writeToken, teams: { anything: "read" } }])
      assert.deepStrictEqual(config.teams, [])
    }))

  it.effect("--token and HOARD_TOKENS stay plain tokens for every team, added to the file's tokens; teams stay", () =>
    Effect.gen(function*() {
      const dir = writeFiles({ "hoard.config.json": { teams, tokens: [{ name: "ci", token: writeToken, teams: { web: "read" } }] } })
      const fileToken = { name: "ci", token: writeToken, teams: { web: "read" as const } }
      const fromFlag = yield* load(dir, { tokens: ["flag-token"] })
      assert.deepStrictEqual(fromFlag.tokens, [fileToken, { name: "token-2", token: "flag-token", teams: every }])
      assert.deepStrictEqual(fromFlag.teams.map((team) => team.slug), ["web", "docs"])
      const fromEnv = yield* load(dir, {}, { HOARD_TOKENS: "env-token" })
      assert.deepStrictEqual(fromEnv.tokens, [fileToken, { name: "token-2", token: "env-token", teams: every }])
    }))

  it.effect("unnamed plain tokens get names that do not clash with configured ones", () =>
    Effect.gen(function*() {
      const config = yield* load(writeFiles({ "hoard.config.json": { tokens: [{ name: "token-2", token: "a" }, "b"] } }))
      assert.deepStrictEqual(config.tokens.map((token) => token.name), ["token-2", "token-2-2"])
    }))
})

describe("the access file", () => {
  const access: Record<"teams" | "tokens" | "jwt", unknown> = {
    teams,
    tokens: [
      { name: "web-read", token: readToken, teams: { web: "read" } },
      { name: "web-write", token: writeToken, teams: { web: "read-write" } }
    ],
    jwt: { jwksUrl: "https://issuer.example/.well-known/jwks.json" }
  }

  it.effect("comes from the config file's `access` (relative to it), HOARD_ACCESS or --access, in reverse order of precedence", () =>
    Effect.gen(function*() {
      const dir = writeFiles({
        "hoard.config.json": { storage: "memory", access: "secrets/access.json" },
        "other.json": { teams: [{ id: "team_other", slug: "other" }] },
        "flag.json": { teams: [{ id: "team_flag", slug: "flag" }] }
      })
      mkdirSync(join(dir, "secrets"))
      writeFileSync(join(dir, "secrets", "access.json"), JSON.stringify(access))
      const fromConfig = yield* load(dir)
      assert.deepStrictEqual<unknown>(fromConfig.teams, teams)
      assert.deepStrictEqual<unknown>(fromConfig.tokens, access.tokens)
      assert.deepStrictEqual<unknown>(fromConfig.jwt, access.jwt)
      assert.strictEqual(fromConfig.storage, "memory")
      const fromEnv = yield* load(dir, {}, { HOARD_ACCESS: join(dir, "other.json") })
      assert.deepStrictEqual(fromEnv.teams.map((team) => team.slug), ["other"])
      const fromFlag = yield* load(dir, { access: join(dir, "flag.json") }, { HOARD_ACCESS: join(dir, "other.json") })
      assert.deepStrictEqual(fromFlag.teams.map((team) => team.slug), ["flag"])
      // Without any config file.
      const alone = yield* loadServeConfig({ tokens: [], access: join(dir, "secrets", "access.json") }, {})
      assert.deepStrictEqual<unknown>(alone.tokens, access.tokens)
    }))

  it.effect("takes the teams from one file and the tokens from the other", () =>
    Effect.gen(function*() {
      const dir = writeFiles({
        "hoard.config.json": { teams, access: "access.json" },
        "access.json": { tokens: access.tokens }
      })
      const config = yield* load(dir)
      assert.deepStrictEqual<unknown>(config.teams, teams)
      assert.deepStrictEqual<unknown>(config.tokens, access.tokens)
    }))

  it.effect("refuses teams, tokens or jwt given in both files, and grants of teams the other file lacks", () =>
    Effect.gen(function*() {
      for (const key of ["teams", "tokens", "jwt"] as const) {
        const dir = writeFiles({ "hoard.config.json": { [key]: access[key], access: "access.json" }, "access.json": access })
        assert.strictEqual(
          (yield* Effect.flip(load(dir))).message,
          `${key} are configured in both ${join(dir, "hoard.config.json")} and the access file ${join(dir, "access.json")}: keep them in one file`
        )
      }
      const dir = writeFiles({
        "hoard.config.json": { teams: [teams[1]], access: "access.json" },
        "access.json": { tokens: access.tokens }
      })
      assert.strictEqual(
        (yield* Effect.flip(load(dir))).message,
        `token "web-read" (tokens[0] in ${join(dir, "access.json")}) grants team "web", which is not configured in ${join(dir, "hoard.config.json")} (teams: docs)`
      )
    }))

  it.effect("holds teams, tokens and jwt alone: other keys and bad fields are named with the file", () =>
    Effect.gen(function*() {
      const dir = writeFiles({ "access.json": { ...access, port: 3000 }, "bad.json": { teams: [{ id: "team_x" }] } })
      const extra = yield* Effect.flip(readAccessFile(join(dir, "access.json")))
      assert.strictEqual(extra.message, `invalid access file ${join(dir, "access.json")}: port: unknown key`)
      const bad = yield* Effect.flip(readAccessFile(join(dir, "bad.json")))
      assert.strictEqual(bad.message, `invalid access file ${join(dir, "bad.json")}: teams[0].slug: Missing key`)
      const missing = yield* Effect.flip(loadServeConfig({ tokens: [], access: join(dir, "nope.json") }, {}))
      assert.match(missing.message, new RegExp(`^cannot read access file ${join(dir, "nope.json")}: ENOENT`))
    }))
})

describe("management settings", () => {
  it.effect("maps downloadUrlTtl, downloadUrlSecret and publicUrl from the file, HOARD_* env winning", () =>
    Effect.gen(function*() {
      const secret = "f".repeat(32)
      const dir = writeFiles({ "hoard.config.json": { downloadUrlTtl: 60, downloadUrlSecret: secret, publicUrl: "https://cache.example.com/hoard/" } })
      const fromFile = yield* load(dir)
      const secretOf = (config: { readonly downloadUrlSecret?: Redacted.Redacted<string> | undefined }) =>
        config.downloadUrlSecret === undefined ? undefined : Redacted.value(config.downloadUrlSecret)
      assert.deepStrictEqual(
        [fromFile.downloadUrlTtlSeconds, secretOf(fromFile), fromFile.publicUrl],
        [60, secret, "https://cache.example.com/hoard"]
      )
      const fromEnv = yield* load(dir, {}, {
        HOARD_DOWNLOAD_URL_TTL: "120",
        HOARD_DOWNLOAD_URL_SECRET: "e".repeat(40),
        HOARD_PUBLIC_URL: "http://10.0.0.1:3000"
      })
      assert.deepStrictEqual(
        [fromEnv.downloadUrlTtlSeconds, secretOf(fromEnv), fromEnv.publicUrl],
        [120, "e".repeat(40), "http://10.0.0.1:3000"]
      )
      const unset = yield* resolveServeConfig(noFlags, {}, {})
      assert.deepStrictEqual([unset.downloadUrlTtlSeconds, unset.downloadUrlSecret, unset.publicUrl], [undefined, undefined, undefined])
      const badTtl = yield* Effect.flip(resolveServeConfig(noFlags, { HOARD_DOWNLOAD_URL_TTL: "soon" }, {}))
      assert.strictEqual(badTtl.message, "invalid HOARD_DOWNLOAD_URL_TTL \"soon\": a download URL TTL is a whole number of seconds above 0")
      const badSecret = yield* Effect.flip(resolveServeConfig(noFlags, { HOARD_DOWNLOAD_URL_SECRET: "short" }, {}))
      assert.strictEqual(badSecret.message, "invalid HOARD_DOWNLOAD_URL_SECRET: a download URL secret is at least 32 characters")
      assert.notInclude(badSecret.message, "short\"")
      const badUrl = yield* Effect.flip(resolveServeConfig(noFlags, { HOARD_PUBLIC_URL: "cache.example.com" }, {}))
      assert.match(badUrl.message, /^invalid HOARD_PUBLIC_URL "cache\.example\.com": a public URL is http\(s\):\/\//)
    }))
})

describe("the generated token and the banner", () => {
  const server = { port: 4000, host: "127.0.0.1" }

  it.effect("generates an every-team token only when neither a token nor a JWT is configured", () =>
    Effect.gen(function*() {
      const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-data-"))
      const generated = yield* resolveTokens({ tokens: [], dataDir })
      const token = readFileSync(join(dataDir, "token"), "utf8").trim()
      assert.deepStrictEqual(generated.tokens, [{ name: "generated", token, teams: every }])
      assert.strictEqual(generated.generatedFile, join(dataDir, "token"))
      const again = yield* resolveTokens({ tokens: [], dataDir })
      assert.strictEqual(again.generatedToken, token)
      const jwtOnly = yield* resolveTokens({ tokens: [], dataDir: join(dataDir, "other"), jwt: { secret: "s".repeat(32) } })
      assert.deepStrictEqual(jwtOnly, { tokens: [] })
    }))

  it.effect("prints the first team's slug and how many tokens serve how many teams; never a secret", () =>
    Effect.gen(function*() {
      const dir = writeFiles({
        "hoard.config.json": {
          teams: [...teams, { id: "team_gone", slug: "gone", status: "disabled" }],
          tokens: [{ name: "r", token: readToken, teams: { web: "read" } }, { name: "w", token: writeToken, teams: { web: "read-write" } }]
        }
      })
      const config = yield* load(dir)
      const banner = startupBanner(config, server, "memory", "sqlite in memory", yield* resolveTokens(config))
      assert.include(banner, "  tokens: 2 configured for 3 teams\n")
      assert.include(banner, "  teams: web (team_web), docs (team_docs), gone (team_gone, disabled)\n")
      assert.include(banner, "  export TURBO_API=http://127.0.0.1:4000\n")
      assert.include(banner, "  export TURBO_TOKEN=<one of your configured tokens>\n")
      assert.include(banner, "  export TURBO_TEAM=web\n")
      assert.include(banner, "NX_SELF_HOSTED_REMOTE_CACHE_SERVER=http://127.0.0.1:4000/nx/web ")
      assert.include(banner, "--remote_cache=http://127.0.0.1:4000/bazel/web\n")
      assert.notInclude(banner, readToken)
      assert.notInclude(banner, writeToken)

      const withJwt = yield* load(writeFiles({ "hoard.config.json": { teams, jwt: { jwksUrl: "https://issuer.example/jwks" } } }))
      const jwtBanner = startupBanner(withJwt, server, "memory", "sqlite in memory", yield* resolveTokens(withJwt))
      assert.include(jwtBanner, "  tokens: 0 configured for 2 teams, and JWTs signed by the keys at https://issuer.example/jwks\n")
      assert.include(jwtBanner, "  export TURBO_TOKEN=<a JWT from your issuer>\n")
    }))

  it.effect("keeps the old lines without teams, and shows the public URL as TURBO_API when set", () =>
    Effect.gen(function*() {
      const plain = yield* resolveServeConfig({ tokens: ["a", "b"] }, {}, {})
      const banner = startupBanner(plain, server, "memory", "sqlite in memory", yield* resolveTokens(plain))
      assert.include(banner, "  tokens: 2 configured\n")
      assert.include(banner, "Point turbo at it (each team name gets its own namespace):")
      assert.include(banner, "  export TURBO_TEAM=my-team\n")
      const behindProxy = yield* resolveServeConfig({ tokens: ["a"] }, { HOARD_PUBLIC_URL: "https://cache.example.com/hoard" }, {})
      const proxied = startupBanner(behindProxy, server, "memory", "sqlite in memory", yield* resolveTokens(behindProxy))
      assert.include(proxied, "Hoard is listening on http://127.0.0.1:4000\n")
      assert.include(proxied, "  export TURBO_API=https://cache.example.com/hoard\n")
    }))
})

describe("observability settings", () => {
  const tracing = (flags: Partial<ServeFlags>, env: Record<string, string>, file: Record<string, unknown> = {}) =>
    Effect.map(resolveServeConfig({ ...noFlags, storage: "memory", ...flags }, env, file), (config) => config.tracing)

  it.effect("tracing: --otlp-endpoint, then HOARD_OTLP_ENDPOINT, then the file, then OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, then OTEL_EXPORTER_OTLP_ENDPOINT", () =>
    Effect.gen(function*() {
      const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://base:4318/", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318/custom" }
      assert.deepStrictEqual(yield* tracing({}, {}), undefined)
      assert.deepStrictEqual(yield* tracing({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://base:4318/" }), { url: "http://base:4318/v1/traces", serviceName: "hoard" })
      assert.deepStrictEqual((yield* tracing({}, otel))?.url, "http://traces:4318/custom")
      assert.deepStrictEqual((yield* tracing({}, otel, { otlpEndpoint: "http://file:4318" }))?.url, "http://file:4318/v1/traces")
      assert.deepStrictEqual((yield* tracing({}, { ...otel, HOARD_OTLP_ENDPOINT: "http://env:4318" }))?.url, "http://env:4318/v1/traces")
      assert.deepStrictEqual(
        yield* tracing({ otlpEndpoint: "http://flag:4318" }, { ...otel, OTEL_SERVICE_NAME: "cache-eu", OTEL_BSP_SCHEDULE_DELAY: "250" }),
        { url: "http://flag:4318/v1/traces", serviceName: "cache-eu", exportIntervalMs: 250 }
      )
      assert.deepStrictEqual(yield* tracing({}, { ...otel, OTEL_SDK_DISABLED: "true" }), undefined)
    }))

  it.effect("defaults: access log on, metrics not served; the metrics token is a secret", () =>
    Effect.gen(function*() {
      const config = yield* resolveServeConfig({ ...noFlags, storage: "memory" }, {}, {})
      assert.strictEqual(config.accessLog, true)
      assert.strictEqual(config.metricsPort, undefined)
      assert.strictEqual(config.metricsToken, undefined)
      const withToken = yield* resolveServeConfig({ ...noFlags, storage: "memory", accessLog: "off" }, { HOARD_METRICS_TOKEN: "metrics-secret-0123456789", HOARD_METRICS_PORT: "9464" }, {})
      assert.strictEqual(withToken.accessLog, false)
      assert.strictEqual(withToken.metricsPort, 9464)
      assert.strictEqual(Redacted.value(withToken.metricsToken!), "metrics-secret-0123456789")
      const short = yield* Effect.flip(resolveServeConfig({ ...noFlags, storage: "memory" }, { HOARD_METRICS_TOKEN: "short secret" }, {}))
      assert.strictEqual(short.message, "invalid HOARD_METRICS_TOKEN: a metrics token is at least 16 characters, without spaces")
    }))

  it.effect("fsync: off by default; on from a flag, HOARD_FSYNC or the config file; anything else is one clear error", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* resolveServeConfig({ ...noFlags, storage: "memory" }, {}, {})).fsync, false)
      assert.strictEqual((yield* resolveServeConfig({ ...noFlags, storage: "memory", fsync: "on" }, {}, {})).fsync, true)
      assert.strictEqual((yield* resolveServeConfig({ ...noFlags, storage: "memory" }, { HOARD_FSYNC: "on" }, {})).fsync, true)
      assert.strictEqual((yield* resolveServeConfig({ ...noFlags, storage: "memory" }, {}, { fsync: "on" })).fsync, true)
      assert.strictEqual((yield* resolveServeConfig({ ...noFlags, storage: "memory", fsync: "off" }, { HOARD_FSYNC: "on" }, {})).fsync, false)
      const bad = yield* Effect.flip(resolveServeConfig({ ...noFlags, storage: "memory" }, { HOARD_FSYNC: "sometimes" }, {}))
      assert.strictEqual(bad.message, `invalid HOARD_FSYNC "sometimes": fsync is on or off`)
    }))

  it.effect("index writer thread: off by default; on from a flag, HOARD_INDEX_WRITER_THREAD or the config file; the banner says so", () =>
    Effect.gen(function*() {
      const writerThread = (config: { readonly indexWriterThread: boolean }) => config.indexWriterThread
      assert.strictEqual(writerThread(yield* resolveServeConfig({ ...noFlags, storage: "memory" }, {}, {})), false)
      assert.strictEqual(writerThread(yield* resolveServeConfig({ ...noFlags, storage: "memory", indexWriterThread: "on" }, {}, {})), true)
      assert.strictEqual(writerThread(yield* resolveServeConfig({ ...noFlags, storage: "memory" }, { HOARD_INDEX_WRITER_THREAD: "on" }, {})), true)
      assert.strictEqual(writerThread(yield* resolveServeConfig({ ...noFlags, storage: "memory" }, {}, { indexWriterThread: "on" })), true)
      const bad = yield* Effect.flip(resolveServeConfig({ ...noFlags, storage: "memory" }, { HOARD_INDEX_WRITER_THREAD: "yes" }, {}))
      assert.strictEqual(bad.message, `invalid HOARD_INDEX_WRITER_THREAD "yes": the index writer thread is on or off`)
      const threaded = yield* indexFromSpec("sqlite:rel/hoard.db", { writerThread: true })
      assert.strictEqual(threaded.description, `sqlite ${resolve("rel/hoard.db")} (writer thread)`)
      assert.strictEqual((yield* indexFromSpec("sqlite::memory:", { writerThread: true })).description, "sqlite in memory (lost at exit)")
    }))
})
