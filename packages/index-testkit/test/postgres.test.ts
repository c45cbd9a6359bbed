import { assert, describe, it, layer } from "@effect/vitest"
import { postgresBindir, postgresServer, PostgresStartError, startPostgres, TestPostgres, usePostgres } from "@hoard/index-testkit"
import type { PostgresServer } from "@hoard/index-testkit"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"

/** `HOARD_TEST_POSTGRES=1` requires PostgreSQL (the run fails without it), `0` skips; by default: when installed. */
const setting = process.env["HOARD_TEST_POSTGRES"]
const bindir = postgresBindir()
const skip = setting === "0" || (setting !== "1" && bindir === undefined)

/** Runs SQL through `psql` connecting with the server's URL, as any client would. */
const query = (server: PostgresServer, sql: string, url = server.url) =>
  new Promise<string>((resolve, reject) => {
    const psql = existsSync(join(server.bindir, "psql")) ? join(server.bindir, "psql") : "psql"
    execFile(psql, ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql, url], { timeout: 30_000, env: { ...process.env, PGCONNECT_TIMEOUT: "5" } }, (error, stdout, stderr) =>
      error === null ? resolve(stdout.trim()) : reject(new Error(`${error.message}\n${stderr}`)))
  })

const fails = async (promise: Promise<unknown>): Promise<boolean> => {
  try {
    await promise
    return false
  } catch {
    return true
  }
}

describe.skipIf(skip)("startPostgres", () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres({ database: "hoard_test" })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  }, 60_000)

  it("serves SQL on 127.0.0.1 at its URL", async () => {
    assert.match(server.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/hoard_test$/u)
    assert.strictEqual(await query(server, "SELECT 1"), "1")
    assert.strictEqual(await query(server, "SELECT current_database()"), "hoard_test")
    assert.strictEqual(await query(server, "SELECT inet_server_addr()::text"), "127.0.0.1/32", "listening on loopback")
    assert.strictEqual(await query(server, "SHOW fsync"), "off")
    assert.strictEqual(await server.psql("SELECT 40 + 2"), "42")
    assert.isTrue(server.isRunning())
  })

  it("stopServer refuses connections; startServer brings the same data back on the same port", async () => {
    await query(server, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before the stop')")
    const port = server.port
    await server.stopServer()
    assert.isFalse(server.isRunning())
    assert.isTrue(await fails(query(server, "SELECT 1")), "a stopped server refuses connections")
    await server.startServer()
    assert.strictEqual(server.port, port)
    assert.strictEqual(await query(server, "SELECT v FROM kept"), "before the stop")
    await server.restart("immediate")
    assert.strictEqual(await query(server, "SELECT count(*) FROM kept"), "1", "after a crash and recovery")
  }, 60_000)

  it("pause freezes the server until resume", async () => {
    await server.pause()
    const started = Date.now()
    assert.isTrue(await fails(query(server, "SELECT 1", `${server.url}?connect_timeout=2`)), "a paused server does not answer")
    assert.isAtLeast(Date.now() - started, 1500, "the connection hangs rather than being refused")
    await server.resume()
    assert.strictEqual(await query(server, "SELECT 1"), "1")
  }, 60_000)

  it("createDatabase gives the URL of a new, empty database", async () => {
    const url = await server.createDatabase()
    assert.notStrictEqual(url, server.url)
    assert.strictEqual(await query(server, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", url), "0")
    assert.strictEqual(await query(server, "SELECT 1", server.urlFor("postgres")), "1")
  })
})

describe.skipIf(skip)("startPostgres with a password", () => {
  it("needs the password over TCP; stop removes everything", async () => {
    const server = await startPostgres({ password: "s3cret p@ss" })
    try {
      assert.match(server.url, /^postgres:\/\/postgres:s3cret%20p%40ss@127\.0\.0\.1:\d+\/postgres$/u)
      assert.strictEqual(await query(server, "SELECT 1"), "1")
      const wrong = server.url.replace("s3cret%20p%40ss", "wrong")
      assert.isTrue(await fails(query(server, "SELECT 1", wrong)), "a wrong password is refused")
    } finally {
      await server.stop()
    }
    assert.isFalse(existsSync(server.dataDir), "the data directory is gone")
    assert.isTrue(await fails(query(server, "SELECT 1")), "the server is gone")
    await server.stop()
  }, 120_000)
})

describe.skipIf(skip)("postgresServer and TestPostgres", () => {
  it.live("postgresServer stops the server with its scope", () =>
    Effect.gen(function*() {
      const server = yield* Effect.scoped(
        Effect.gen(function*() {
          const server = yield* postgresServer()
          assert.strictEqual(yield* Effect.promise(() => query(server, "SELECT 1")), "1")
          return server
        })
      )
      assert.isFalse(existsSync(server.dataDir), "removed when the scope closed")
    }), 120_000)

  layer(TestPostgres.layer(), { timeout: "2 minutes" })("TestPostgres.layer", (it) => {
    it.effect("provides a running server", () =>
      Effect.gen(function*() {
        const server = yield* TestPostgres
        assert.strictEqual(yield* Effect.promise(() => query(server, "SELECT 1")), "1")
      }))
  })
})

describe.skipIf(skip)("usePostgres", () => {
  const pg = usePostgres()
  it("starts a server before the tests", async () => {
    assert.strictEqual(await query(pg.server, "SELECT 1", pg.url), "1")
  })
})

describe("when PostgreSQL is not installed", () => {
  it.live("startPostgres fails saying how to install it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.tryPromise({ try: () => startPostgres({ bindir: "/nonexistent/bin" }), catch: (e) => e }))
      assert.instanceOf(error, PostgresStartError)
      assert.include((error as PostgresStartError).message, "scripts/install-postgres.sh")
    }))
})
