import { randomBytes } from "node:crypto"
import type { Layer } from "effect"
import type { ArtifactStorage, CacheIndex } from "@hoard/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auth, put, randomHash, randomTeam, sha256, TOKEN } from "./client.ts"
import type { ServerUnderTest, StartServer } from "./ServerUnderTest.ts"

/** Polls until `check` returns something other than undefined (or fails after `timeoutMs`). */
const eventually = async <T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> => {
  const started = Date.now()
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time")
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const getJson = async (url: string): Promise<any> => {
  const response = await fetch(url, { headers: auth })
  expect(response.status, url).toBe(200)
  return response.json()
}

/**
 * Two Hoard servers over one shared backend, as replicas behind a load
 * balancer: concurrent uploads and downloads of the same hashes through both
 * never yield a partial artifact or bytes with another upload's metadata.
 * `storage` is called once per replica (each gets its own client). With
 * `index` (one shared database, e.g. PostgreSQL; called once per replica),
 * both replicas then show the same artifacts, every request's event exactly
 * once, and analytics equal to a recount of the events.
 */
export const replicaSuite = (
  name: string,
  start: StartServer,
  storage: () => Layer.Layer<ArtifactStorage, unknown>,
  options: { readonly index?: () => Layer.Layer<CacheIndex, unknown> } = {}
): void => {
  describe(`${name} replicas`, () => {
    let replicas: ReadonlyArray<ServerUnderTest> = []

    beforeAll(async () => {
      replicas = await Promise.all([0, 1].map(() =>
        start({
          storage: storage(),
          ...(options.index !== undefined && { index: options.index() }),
          tokens: [TOKEN],
          maxArtifactBytes: 64 * 1024 * 1024
        })
      ))
    })
    afterAll(() => Promise.all(replicas.map((replica) => replica.close())))

    it("serve every artifact whole, with its own metadata, under concurrent writes of the same hashes", async () => {
      const team = randomTeam()
      const hashes = Array.from({ length: 4 }, () => randomHash())
      const urlOf = (replica: ServerUnderTest, hash: string) => `${replica.url}/v8/artifacts/${hash}?slug=${team}`

      const upload = async (replica: ServerUnderTest, hash: string) => {
        const body = randomBytes(64 * 1024 + Math.floor(Math.random() * 512 * 1024))
        // The tag names the body, so a reader can tell bytes and metadata apart.
        const response = await put(urlOf(replica, hash), body, { "x-artifact-tag": sha256(body) })
        expect(response.status).toBe(202)
      }
      const download = async (replica: ServerUnderTest, hash: string) => {
        const response = await fetch(urlOf(replica, hash), { headers: auth })
        if (response.status === 404) return "miss"
        expect(response.status).toBe(200)
        const bytes = new Uint8Array(await response.arrayBuffer())
        expect(bytes.length).toBe(Number(response.headers.get("content-length")))
        expect(sha256(bytes)).toBe(response.headers.get("x-artifact-tag"))
        return "hit"
      }

      const work: Array<Promise<unknown>> = []
      const outcomes: Array<Promise<"hit" | "miss">> = []
      for (let round = 0; round < 3; round++) {
        for (const hash of hashes) {
          for (const replica of replicas) {
            const outcome = download(replica, hash)
            outcomes.push(outcome)
            work.push(upload(replica, hash), outcome)
          }
        }
      }
      await Promise.all(work)

      for (const hash of hashes) {
        const seen = await Promise.all(replicas.map(async (replica) => {
          const response = await fetch(urlOf(replica, hash), { headers: auth })
          const bytes = new Uint8Array(await response.arrayBuffer())
          expect(sha256(bytes)).toBe(response.headers.get("x-artifact-tag"))
          return response.headers.get("x-artifact-tag")
        }))
        expect(seen[0]).toBe(seen[1])
      }
      if (options.index === undefined) return

      // One index behind both: the same answers from either replica, each request recorded once.
      const hits = (await Promise.all(outcomes)).filter((outcome) => outcome === "hit").length
      const uploads = 3 * hashes.length * replicas.length
      const finalReads = hashes.length * replicas.length
      const eventsOf = async (replica: ServerUnderTest) => {
        const events: Array<{ id: string; event_type: string }> = []
        let cursor: string | null = null
        do {
          const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`
          const page: any = await getJson(`${replica.url}/api/v1/teams/${team}/events?limit=500${query}`)
          events.push(...page.events)
          cursor = page.next_cursor
        } while (cursor !== null)
        return events
      }
      const events = await eventually(async () => {
        const found = await eventsOf(replicas[0]!)
        // upload_started and uploaded per upload, one downloaded per hit; misses
        // are sampled (at most 10 a minute per replica), so they are not counted here.
        const others = found.filter((event) => event.event_type !== "artifact.missed")
        return others.length === 2 * uploads + hits + finalReads ? found : undefined
      })
      expect(new Set(events.map((event) => event.id)).size).toBe(events.length)
      const count = (type: string) => events.filter((event) => event.event_type === type).length
      expect(count("artifact.uploaded")).toBe(uploads)
      expect(count("artifact.downloaded")).toBe(hits + finalReads)
      expect(count("artifact.missed")).toBeLessThanOrEqual(outcomes.length - hits)
      expect((await eventsOf(replicas[1]!)).map((event) => event.id).sort()).toEqual(events.map((event) => event.id).sort())

      const [first, second] = await Promise.all(replicas.map((replica) => getJson(`${replica.url}/api/v1/teams/${team}/artifacts`)))
      const summary = (page: any) =>
        page.artifacts.map((record: any) => [record.hash, record.status, record.size, record.hit_count]).sort()
      expect(summary(first)).toEqual(summary(second))
      expect(first.artifacts.map((record: any) => record.hash).sort()).toEqual([...hashes].sort())
      expect(first.artifacts.every((record: any) => record.status === "success")).toBe(true)
      // A download applied before the other replica's upload finds no record to count on: at most every download.
      expect(first.artifacts.reduce((sum: number, record: any) => sum + record.hit_count, 0)).toBeLessThanOrEqual(count("artifact.downloaded"))

      const analytics = await getJson(`${replicas[1]!.url}/api/v1/teams/${team}/analytics`)
      expect(analytics).toMatchObject({
        uploads,
        downloads: count("artifact.downloaded"),
        artifact_count: hashes.length,
        storage_bytes: first.artifacts.reduce((sum: number, record: any) => sum + record.size, 0)
      })
    })
  })
}

