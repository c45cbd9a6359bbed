import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { resolve } from "node:path"
import { parseByteSize } from "@hoard/core"
import { resolveServeConfig } from "../src/config/ServeConfig.ts"
import { storageFromSpec } from "../src/config/storageLayer.ts"

const noFlags = { tokens: [] }

describe("serve configuration", () => {
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
      assert.strictEqual(config.maxArtifactBytes, 2 * 2 ** 30)
      assert.strictEqual(config.logLevel, "info")
      assert.deepStrictEqual(config.tokens, [])
    }))

  it.effect("takes flags over HOARD_* env vars over the config file", () =>
    Effect.gen(function*() {
      const file = { port: 1, host: "file-host", storage: "memory", tokens: ["file-token", { name: "ci", token: "ci-token" }], logLevel: "error" as const }
      const env = { HOARD_PORT: "2", HOARD_HOST: "env-host", HOARD_TOKENS: "env-a, env-b" }
      const fromFile = yield* resolveServeConfig(noFlags, {}, file)
      assert.deepStrictEqual([fromFile.port, fromFile.host, fromFile.storage, fromFile.logLevel], [1, "file-host", "memory", "error"])
      assert.deepStrictEqual(fromFile.tokens, [{ token: "file-token" }, { name: "ci", token: "ci-token" }])
      const fromEnv = yield* resolveServeConfig(noFlags, env, file)
      assert.deepStrictEqual([fromEnv.port, fromEnv.host], [2, "env-host"])
      assert.deepStrictEqual(fromEnv.tokens, [{ token: "env-a" }, { token: "env-b" }])
      const fromFlags = yield* resolveServeConfig({ port: 3, host: "flag-host", tokens: ["flag-token"] }, env, file)
      assert.deepStrictEqual([fromFlags.port, fromFlags.host], [3, "flag-host"])
      assert.deepStrictEqual(fromFlags.tokens, [{ token: "flag-token" }])
    }))

  it.effect("explains bad values", () =>
    Effect.gen(function*() {
      const port = yield* Effect.flip(resolveServeConfig(noFlags, { HOARD_PORT: "http" }, {}))
      assert.match(port.message, /invalid port http/)
      const size = yield* Effect.flip(resolveServeConfig({ ...noFlags, maxArtifactSize: "huge" }, {}, {}))
      assert.match(size.message, /invalid max artifact size "huge"/)
      const level = yield* Effect.flip(resolveServeConfig({ ...noFlags, logLevel: "loud" }, {}, {}))
      assert.match(level.message, /invalid log level "loud"/)
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
