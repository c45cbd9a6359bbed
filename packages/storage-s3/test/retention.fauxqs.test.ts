import { randomBytes } from "node:crypto"
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3"
import { Schema } from "effect"
import { AccessConfig } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { S3Storage } from "@hoard/storage-s3"
import { startHoardServer } from "@hoard/transport-node-http"
import { afterAll, describe, expect, inject, it } from "vitest"
import { createBucket, randomBucketName, rawClient, testCredentials } from "./support/buckets.ts"

// Retention over S3: the evictor deletes objects in the bucket.
const endpoint = inject("fauxqsEndpoint")
const bucket = randomBucketName("retention")
await createBucket(endpoint, bucket)
const client = rawClient(endpoint)
afterAll(() => client.destroy())

const token = "retention-s3-token-0123456789"
const auth = { authorization: `Bearer ${token}` }
const team = { id: "team_s3", slug: "s3" }
const access = Schema.decodeUnknownSync(AccessConfig)({
  teams: [{ id: team.id, slug: team.slug }],
  tokens: [{ name: "ci", token, teams: { "*": "admin" } }]
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const randomHash = () => randomBytes(8).toString("hex")

/** Whether the bucket holds the object (asked of S3 directly, not through Hoard). */
const stored = async (key: string): Promise<boolean> => {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return true
  } catch (error: any) {
    if (error?.$metadata?.httpStatusCode === 404) return false
    throw error
  }
}

const objectsUnder = async (prefix: string): Promise<number> =>
  (await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).KeyCount ?? 0

const start = (prefix: string, retention: NonNullable<Parameters<typeof startHoardServer>[0]["retention"]>) =>
  startHoardServer({
    storage: S3Storage.layer({ bucket, prefix, endpoint, credentials: testCredentials }),
    index: SqliteIndex.layer({ filename: ":memory:" }),
    access,
    retention,
    writer: { batchWindow: "20 millis" },
    port: 0
  })

describe("retention on S3 (fauxqs)", () => {
  it("the TTL removes an untouched object and keeps one read all along", async () => {
    const prefix = "ttl"
    const server = await start(prefix, { ttl: "2 seconds", interval: "200 millis" })
    try {
      const put = (hash: string, body: Uint8Array<ArrayBuffer>) =>
        fetch(`${server.url}/v8/artifacts/${hash}?slug=${team.slug}`, {
          method: "PUT",
          headers: { ...auth, "content-type": "application/octet-stream" },
          body
        }).then((response) => response.status)
      const get = async (hash: string) => {
        const response = await fetch(`${server.url}/v8/artifacts/${hash}?slug=${team.slug}`, { headers: auth })
        return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) }
      }
      const [hot, cold] = [randomHash(), randomHash()]
      const hotBody = new Uint8Array(randomBytes(5_000))
      const uploadedAt = Date.now()
      expect(await put(hot, hotBody)).toBe(202)
      expect(await put(cold, new Uint8Array(randomBytes(7_000)))).toBe(202)
      const coldKey = `${prefix}/${team.id}/${cold}`
      expect(await stored(coldKey)).toBe(true)

      let coldGoneAt: number | undefined
      while (Date.now() - uploadedAt < 4_500) {
        const read = await get(hot)
        expect(read.status, `hot at ${Date.now() - uploadedAt} ms`).toBe(200)
        expect(read.bytes.equals(Buffer.from(hotBody))).toBe(true)
        for (let i = 0; i < 5; i++) {
          if (coldGoneAt === undefined && !(await stored(coldKey))) coldGoneAt = Date.now()
          await sleep(100)
        }
      }
      expect(coldGoneAt, "the cold object expired").toBeDefined()
      expect(coldGoneAt! - uploadedAt).toBeGreaterThanOrEqual(2_000)
      expect(coldGoneAt! - uploadedAt).toBeLessThan(4_000)
      expect((await get(cold)).status).toBe(404)
      expect(await stored(`${prefix}/${team.id}/${hot}`)).toBe(true)

      const report = await (await fetch(`${server.url}/api/v1/teams/${team.slug}/retention`, { headers: auth })).json()
      expect(report).toMatchObject({ ttl_seconds: 2, artifact_count: 1, storage_bytes: 5_000, evicted: { count: 1, bytes: 7_000 } })
    } finally {
      await server.close()
    }
  }, 30_000)

  it("the whole cache's budget evicts the least recently used objects", async () => {
    const prefix = "budget"
    const size = 16 * 1024
    const budget = 512 * 1024
    const server = await start(prefix, { maxSizeBytes: budget, interval: "100 millis" })
    try {
      const statuses: Array<number> = []
      const hashes = Array.from({ length: 64 }, randomHash)
      for (const hash of hashes) {
        const response = await fetch(`${server.url}/v8/artifacts/${hash}?slug=${team.slug}`, {
          method: "PUT",
          headers: { ...auth, "content-type": "application/octet-stream" },
          body: new Uint8Array(randomBytes(size))
        })
        await response.arrayBuffer()
        statuses.push(response.status)
        // Slow enough for the evictor to stay ahead of the hard ceiling (3 uploads above the budget).
        await sleep(60)
      }
      expect(statuses.filter((status) => status !== 202)).toEqual([])
      // The evictor removes down to its low watermark, a page at a time, so wait for the count
      // to be under the budget and to stay put across three polls before checking which went.
      const deadline = Date.now() + 10_000
      let left = await objectsUnder(`${prefix}/`)
      let steadyPolls = 0
      while ((left * size > budget || steadyPolls < 3) && Date.now() < deadline) {
        await sleep(100)
        const now = await objectsUnder(`${prefix}/`)
        steadyPolls = now === left ? steadyPolls + 1 : 0
        left = now
      }
      expect(left * size).toBeLessThanOrEqual(budget)
      expect(left).toBeGreaterThan(0)
      // The newest stayed, the oldest went.
      for (const hash of hashes.slice(-left)) expect(await stored(`${prefix}/${team.id}/${hash}`)).toBe(true)
      for (const hash of hashes.slice(0, hashes.length - left)) expect(await stored(`${prefix}/${team.id}/${hash}`)).toBe(false)
      const report = await (await fetch(`${server.url}/api/v1/teams/${team.slug}/retention`, { headers: auth })).json()
      expect(report.cache).toMatchObject({ max_size_bytes: budget, artifact_count: left, evicted: { count: hashes.length - left } })
    } finally {
      await server.close()
    }
  }, 30_000)
})
