import { it } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import type { IndexWrite } from "@hoard/core"
import { PgIndex } from "@hoard/index-sql"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Effect, Layer, Redacted } from "effect"
import { createServer } from "node:net"
import { describe, expect } from "vitest"
import { openIndex, postgresServer, usePostgres } from "@hoard/index-testkit"
import { migrationSuite } from "./support/migrations.ts"
import { event, sqlIndexSuite } from "./support/suite.ts"

const pg = usePostgres()
/** A fresh database per layer: tests never see each other's rows. */
const freshIndex = () => Layer.unwrap(Effect.promise(() => pg.server.createDatabase()).pipe(Effect.map((url) => PgIndex.layer({ url }))))

sqlIndexSuite("PgIndex", freshIndex)
migrationSuite("PgIndex", () =>
  Layer.unwrap(Effect.promise(() => pg.server.createDatabase()).pipe(Effect.map((url) => PgClient.layer({ url: Redacted.make(url) })))))

/** A loopback port with nothing listening. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 1))
    })
  })

describe("PgIndex", () => {
  const twoWriters = (isolation: string) =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(() => pg.server.createDatabase())
      const database = new URL(url).pathname.slice(1)
      yield* Effect.promise(() => pg.server.psql(`ALTER DATABASE "${database}" SET default_transaction_isolation = '${isolation}'`))
      // Both layers migrate at once: they take turns.
      const [a, b] = yield* Effect.all(
        [Layer.build(PgIndex.layer({ url })), Layer.build(PgIndex.layer({ url }))],
        { concurrency: 2 }
      ).pipe(Effect.map((contexts) => contexts.map((context) => context.mapUnsafe.get(CacheIndex.key) as CacheIndex["Service"])))
      const T = 1_900_000_000_000
      const hashes = Array.from({ length: 30 }, (_, i) => `h${i}`)
      yield* a!.write(hashes.map((hash) => event("artifact.uploaded", T, { hash, size: 1 })))
      // Each writer downloads every artifact 10 times and re-uploads it at its own size, in 10 batches.
      const batchesOf = (size: number, offset: number) =>
        Array.from({ length: 10 }, (_, round): ReadonlyArray<IndexWrite> =>
          hashes.flatMap((hash) => [
            event("artifact.downloaded", T + 1 + round, { hash, size }),
            event("artifact.uploaded", T + 1 + round * 2 + offset, { hash, size })
          ]))
      yield* Effect.all(
        [
          Effect.forEach(batchesOf(100, 0), (batch) => a!.write(batch), { discard: true }),
          Effect.forEach(batchesOf(200, 1), (batch) => b!.write(batch), { discard: true })
        ],
        { concurrency: 2 }
      )
      const records = yield* a!.listArtifacts({ teamId: "t", limit: 100, now: T })
      expect(records.artifacts).toHaveLength(30)
      for (const record of records.artifacts) {
        expect(record.hitCount).toBe(20)
        // the newest upload is writer b's (odd times)
        expect(record).toMatchObject({ status: "success", size: 200, updatedAt: T + 1 + 9 * 2 + 1 })
      }
      expect(yield* b!.usage("t")).toEqual({ bytes: 30 * 200, count: 30 })
      expect((yield* b!.analytics("t", T, T + 3_600_000)).downloads).toBe(600)
    }).pipe(Effect.scoped)

  it.live("two writers (replicas) at once lose no update, and usage stays a recount of the records", () =>
    twoWriters("read committed"))

  it.live("... even when the server's default isolation is REPEATABLE READ", () => twoWriters("repeatable read"))

  it.live("an unreachable server fails the layer with an IndexError within seconds, without the password", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(closedPort)
      const started = Date.now()
      const error = yield* Effect.flip(Layer.build(PgIndex.layer({ url: `postgres://hoard:s3cret@127.0.0.1:${port}/hoard` })))
      expect(error._tag).toBe("IndexError")
      expect(error.message).toContain(`127.0.0.1:${port}`)
      expect(error.message).not.toContain("s3cret")
      expect(Date.now() - started).toBeLessThan(6_000)
    }).pipe(Effect.scoped))

  it.live("a server that does not answer fails the layer after connectTimeout", () =>
    Effect.gen(function*() {
      // Accepts the connection and never speaks: like a partitioned server.
      const sockets: Array<import("node:net").Socket> = []
      const server = createServer((socket) => void sockets.push(socket))
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) =>
          server.listen(0, "127.0.0.1", () => resolve((server.address() as import("node:net").AddressInfo).port))
        )
      )
      yield* Effect.addFinalizer(() =>
        Effect.promise(() => new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resolve())
        }))
      )
      const started = Date.now()
      const error = yield* Effect.flip(
        Layer.build(PgIndex.layer({ url: `postgres://hoard@127.0.0.1:${port}/hoard`, connectTimeout: "1 second" }))
      )
      expect(error._tag).toBe("IndexError")
      expect(Date.now() - started).toBeLessThan(5_000)
    }).pipe(Effect.scoped))

  it.live("check answers within seconds while the server hangs, and the index recovers when it is back", () =>
    Effect.gen(function*() {
      const server = yield* postgresServer()
      const { index } = yield* openIndex(PgIndex.layer({ url: server.url }))
      yield* index.check
      yield* Effect.promise(() => server.pause())
      const started = Date.now()
      const error = yield* Effect.flip(index.check)
      expect(error._tag).toBe("IndexError")
      expect(Date.now() - started).toBeLessThan(8_000)
      yield* Effect.promise(() => server.resume())
      yield* index.check
      yield* index.write([event("artifact.uploaded", 1_000, { hash: "h", size: 3 })])
      expect(yield* index.usage("t")).toEqual({ bytes: 3, count: 1 })
      // a restart: the pool replaces its dead connections
      yield* Effect.promise(() => server.restart())
      yield* index.check.pipe(Effect.retry({ times: 1 }))
      expect(yield* index.usage("t")).toEqual({ bytes: 3, count: 1 })
    }).pipe(Effect.scoped), 60_000)
})
