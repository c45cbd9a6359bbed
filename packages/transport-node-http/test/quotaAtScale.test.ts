import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Schema, Stream } from "effect"
import { AccessConfig, ArtifactStorage, CacheIndex } from "@hoard/core"
import type { IndexWrite } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { MemoryStorage } from "@hoard/storage-memory"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHoardServer } from "../src/index.ts"
import type { Closeable, HoardServer } from "../src/index.ts"

const artifacts = 100_000
const size = 1000
const token = "quota-token-0123456789"
const auth = { authorization: `Bearer ${token}` }
const access = Schema.decodeUnknownSync(AccessConfig)({
  teams: [
    { id: "team_full", slug: "full", quota: `${(artifacts * size) / 2}` },
    { id: "team_roomy", slug: "roomy", quota: "1GiB" }
  ],
  tokens: [{ name: "ci", token, teams: { "*": "read-write" } }]
})

describe(`quotas at ${artifacts} artifacts`, () => {
  const dir = mkdtempSync(join(tmpdir(), "hoard-quota-"))
  const indexFile = join(dir, "hoard.db")
  const listings: Array<string> = []
  let server: HoardServer & Closeable

  beforeAll(async () => {
    // The index already knows 100k stored artifacts of each team (as after weeks of CI).
    await Effect.runPromise(Effect.gen(function*() {
      const index = yield* CacheIndex
      for (const teamId of ["team_full", "team_roomy"]) {
        for (let start = 0; start < artifacts; start += 5000) {
          const batch = Array.from({ length: 5000 }, (_, i): IndexWrite => ({
            _tag: "Stored",
            teamId,
            hash: (start + i).toString(16).padStart(16, "0"),
            info: { size, createdAt: 1_000_000 + start + i, metadata: { durationMs: 1 } }
          }))
          yield* index.write(batch)
        }
      }
    }).pipe(Effect.provide(SqliteIndex.layer({ filename: indexFile }))))
    // Storage that reports every listing, so the test can tell that none happened.
    const storage = Layer.effect(ArtifactStorage, Effect.gen(function*() {
      const inner = yield* ArtifactStorage
      return ArtifactStorage.of({
        ...inner,
        list: (options) => Stream.unwrap(Effect.sync(() => {
          listings.push(options.namespace)
          return inner.list(options)
        }))
      })
    })).pipe(Layer.provide(MemoryStorage.layer()))
    server = await startHoardServer({
      storage,
      index: SqliteIndex.layer({ filename: indexFile }),
      access,
      // The walk lists storage by design; this test is about the request path.
      reconcile: false,
      port: 0
    })
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const put = async (slug: string) =>
    fetch(`${server.url}/v8/artifacts/${Math.random().toString(16).slice(2).padEnd(16, "0")}?slug=${slug}`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream", "x-artifact-duration": "1" },
      body: new Uint8Array(16)
    })

  it("reads one usage row: over the quota uploads get 403 over_limit, under it they go on; storage is never listed", async () => {
    const status = async (slug: string) =>
      (await (await fetch(`${server.url}/v8/artifacts/status?slug=${slug}`, { headers: auth })).json()).status
    expect(await status("full")).toBe("over_limit")
    expect(await status("roomy")).toBe("enabled")
    const refused = await Promise.all(Array.from({ length: 16 }, () => put("full")))
    expect(refused.map((response) => response.status)).toEqual(Array(16).fill(403))
    expect((await refused[0]!.json()).error.code).toBe("remote_caching_over_limit")
    const accepted = await Promise.all(Array.from({ length: 16 }, () => put("roomy")))
    expect(accepted.map((response) => response.status)).toEqual(Array(16).fill(202))
    expect(listings).toEqual([])
  }, 60_000)
})
