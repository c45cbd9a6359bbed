import { randomBytes } from "node:crypto"
import { Schema } from "effect"
import { AccessConfig } from "@hoard/core"
import { PgIndex } from "@hoard/index-sql"
import { startPostgres } from "@hoard/index-testkit"
import type { PostgresServer } from "@hoard/index-testkit"
import { MemoryStorage } from "@hoard/storage-memory"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHoardServer } from "../src/index.ts"
import type { Closeable, HoardServer } from "../src/index.ts"

const token = "outage-token-0123456789"
const auth = { authorization: `Bearer ${token}` }
const team = `outage-${randomBytes(3).toString("hex")}`

describe("PostgreSQL stopped and restarted mid-traffic", () => {
  let postgres: PostgresServer
  let server: HoardServer & Closeable
  beforeAll(async () => {
    postgres = await startPostgres()
    server = await startHoardServer({
      storage: MemoryStorage.layer(),
      index: PgIndex.layer({ url: postgres.url }),
      access: Schema.decodeUnknownSync(AccessConfig)({
        teams: [{ id: `team_${team}`, slug: team, quota: "1GiB" }],
        tokens: [{ name: "ci", token, teams: { "*": "admin" } }]
      }),
      port: 0
    })
  }, 180_000)
  afterAll(async () => {
    await server?.close()
    await postgres?.stop()
  }, 60_000)

  const put = async (hash: string) =>
    (await fetch(`${server.url}/v8/artifacts/${hash}?slug=${team}`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/octet-stream", "x-artifact-duration": "10" },
      body: randomBytes(512)
    })).status
  const get = async (hash: string) => {
    const response = await fetch(`${server.url}/v8/artifacts/${hash}?slug=${team}`, { headers: auth })
    await response.arrayBuffer()
    return response.status
  }
  const management = (path: string) => fetch(`${server.url}/api/v1/teams/${team}${path}`, { headers: auth })

  it("keeps serving /v8 without a 5xx, answers management reads 503, and loses no event once it is back", async () => {
    const hashes: Array<string> = []
    const statuses: Array<number> = []
    /** A bounded burst of uploads, downloads of what was uploaded, and misses. */
    const traffic = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        const hash = randomBytes(8).toString("hex")
        hashes.push(hash)
        statuses.push(await put(hash), await get(hash), await get(randomBytes(8).toString("hex")))
      }
    }
    await traffic(10)
    await postgres.stopServer("immediate")
    await traffic(20)
    const down = await management("/artifacts")
    expect(down.status).toBe(503)
    expect((await down.json()).error_code).toBe("index_unavailable")
    // The quota check goes on with the last usage it read.
    const status = await fetch(`${server.url}/v8/artifacts/status?slug=${team}`, { headers: auth })
    expect(status.status).toBe(200)
    await postgres.startServer()
    await traffic(10)

    expect(statuses.filter((code) => code >= 500)).toEqual([])
    expect(statuses.filter((code) => code === 202).length).toBe(40)
    // The writer retried the batches it held and drained its queue: every upload is a record.
    const deadline = Date.now() + 60_000
    let listed: Array<{ hash: string; status: string }> = []
    while (Date.now() < deadline) {
      const response = await management("/artifacts?limit=1000&status=success")
      if (response.status === 200) {
        listed = (await response.json()).artifacts
        if (listed.length === hashes.length) break
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(listed.map((record) => record.hash).sort()).toEqual([...hashes].sort())
    const analytics = await (await management("/analytics")).json()
    expect(analytics).toMatchObject({ uploads: 40, downloads: 40, artifact_count: 40, storage_bytes: 40 * 512 })
  }, 120_000)
})
