import { randomBytes } from "node:crypto"
import type { Layer } from "effect"
import type { ArtifactStorage } from "@hoard/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { auth, put, randomHash, randomTeam, sha256, TOKEN } from "./client.ts"
import type { ServerUnderTest, StartServer } from "./ServerUnderTest.ts"

/**
 * Two Hoard servers over one shared backend, as replicas behind a load
 * balancer: concurrent uploads and downloads of the same hashes through both
 * never yield a partial artifact or bytes with another upload's metadata.
 * `storage` is called once per replica (each gets its own client).
 */
export const replicaSuite = (
  name: string,
  start: StartServer,
  storage: () => Layer.Layer<ArtifactStorage, unknown>
): void => {
  describe(`${name} replicas`, () => {
    let replicas: ReadonlyArray<ServerUnderTest> = []

    beforeAll(async () => {
      replicas = await Promise.all([0, 1].map(() =>
        start({ storage: storage(), tokens: [TOKEN], maxArtifactBytes: 64 * 1024 * 1024 })
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
      for (let round = 0; round < 3; round++) {
        for (const hash of hashes) {
          for (const replica of replicas) {
            work.push(upload(replica, hash), download(replica, hash))
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
    })
  })
}

