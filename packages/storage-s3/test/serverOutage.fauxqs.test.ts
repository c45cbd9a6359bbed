import { createHash, randomBytes } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { SqliteIndex } from "@hoard/index-sql"
import { S3Storage } from "@hoard/storage-s3"
import { startHoardServer } from "@hoard/transport-node-http"
import type { Closeable, HoardServer } from "@hoard/transport-node-http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createBucket, randomBucketName, testCredentials } from "./support/buckets.ts"
import { startFauxqs } from "./support/fauxqs.ts"
import type { FauxqsProcess } from "./support/fauxqs.ts"

const token = "s3-outage-token-0123456789"
const auth = { authorization: `Bearer ${token}` }
const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

// The S3 server killed and restarted while Hoard serves traffic over it.
describe("the S3 server goes away mid-traffic and comes back", () => {
  let dataDir: string
  let s3: FauxqsProcess
  let hoard: HoardServer & Closeable
  const bucket = randomBucketName("outage")
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "hoard-s3-outage-"))
    s3 = await startFauxqs({ storageDir: dataDir })
    await createBucket(s3.endpoint, bucket)
    hoard = await startHoardServer({
      storage: S3Storage.layer({ bucket, prefix: "outage", endpoint: s3.endpoint, credentials: testCredentials }),
      index: SqliteIndex.layer({ filename: ":memory:" }),
      tokens: [token],
      port: 0
    })
  }, 60_000)
  afterAll(async () => {
    await hoard?.close()
    await s3?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }, 60_000)

  const url = (hash: string) => `${hoard.url}/v8/artifacts/${hash}?slug=outage`
  const put = (hash: string, body: Uint8Array<ArrayBuffer>) =>
    fetch(url(hash), { method: "PUT", headers: { ...auth, "content-type": "application/octet-stream" }, body })
  const get = async (hash: string) => {
    const response = await fetch(url(hash), { headers: auth })
    return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) }
  }
  /**
   * A read's outcome: its status, or "cut" for a 200 whose body was cut short
   * (S3 went away while the bytes streamed: the headers were sent, so the
   * server can only end the connection early), or 0 for no answer at all.
   */
  const readOutcome = async (hash: string): Promise<number | "cut"> => {
    const response = await fetch(url(hash), { headers: auth }).catch(() => undefined)
    if (response === undefined) return 0
    return response.arrayBuffer().then(() => response.status, () => (response.status === 200 ? "cut" : 0))
  }

  it("answers 503 (not misses, not hangs) while S3 is down, keeps answering, and loses or tears nothing", async () => {
    const stored = new Map<string, string>()
    const attempted = new Map<string, string>()
    for (let i = 0; i < 5; i++) {
      const hash = randomBytes(8).toString("hex")
      const body = randomBytes(256 * 1024)
      expect((await put(hash, body)).status).toBe(202)
      stored.set(hash, digest(body))
    }

    // Traffic keeps flowing while the S3 server is killed and restarted under it.
    // Status 0: the client's fetch failed without an answer.
    let running = true
    const statuses: Array<number> = []
    const uploadStatuses: Array<number> = []
    const readOutcomes: Array<number | "cut"> = []
    const traffic = (async () => {
      while (running) {
        const hash = randomBytes(8).toString("hex")
        const body = randomBytes(64 * 1024 + Math.floor(Math.random() * 512 * 1024))
        attempted.set(hash, digest(body))
        const started = performance.now()
        const upload = await put(hash, body).catch(() => undefined)
        statuses.push(upload?.status ?? 0)
        uploadStatuses.push(upload?.status ?? 0)
        const read = await readOutcome([...stored.keys()][statuses.length % stored.size]!)
        statuses.push(read === "cut" ? 0 : read)
        readOutcomes.push(read)
        expect(performance.now() - started, "no request hangs").toBeLessThan(30_000)
      }
    })()
    await sleep(500)
    await s3.stop()
    await sleep(2_000)
    const duringOutage = statuses.length
    s3 = await startFauxqs({ port: s3.port, storageDir: dataDir })
    await sleep(2_000)
    running = false
    await traffic

    const outage = statuses.slice(0, duringOutage)
    expect(outage, "S3 being down shows as 503").toContain(503)
    // A read S3's death lands in the middle of is cut short, never answered
    // whole with wrong bytes or as a miss. (Between the object's metadata and
    // its first byte it is a 503: the first chunk is read before the answer.)
    expect(readOutcomes.filter((outcome) => ![200, 503, "cut"].includes(outcome)), "no other answer, no miss of a stored artifact")
      .toEqual([])
    // A 503 can come while the client is still sending a large body; the
    // server then closes the connection (it will not read the rest), and the
    // client may see that close before the answer: its fetch fails with no
    // status. turbo counts either as a failed upload. Never any other answer.
    expect(uploadStatuses.filter((status) => ![202, 503, 0].includes(status)), "no other upload answer").toEqual([])
    expect(statuses.slice(-4).every((status) => status === 200 || status === 202), `recovered: ${statuses.slice(-8)}`).toBe(true)

    // Stored artifacts are intact; anything uploaded around the outage is a miss or whole.
    for (const [hash, expected] of stored) {
      const read = await get(hash)
      expect(read.status).toBe(200)
      expect(digest(read.body)).toBe(expected)
    }
    for (const [hash, expected] of attempted) {
      const read = await get(hash)
      expect([200, 404]).toContain(read.status)
      if (read.status === 200) expect(digest(read.body), hash).toBe(expected)
    }
  }, 120_000)
})
