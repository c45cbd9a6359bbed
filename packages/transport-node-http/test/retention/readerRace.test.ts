import { existsSync } from "node:fs"
import { get as httpGet } from "node:http"
import type { IncomingMessage } from "node:http"
import { join } from "node:path"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { describe, expect, it } from "vitest"
import {
  artifact,
  bearer,
  eventually,
  hashes,
  postJson,
  put,
  retention,
  sha256,
  startRetentionServer,
  tempDir,
  teams,
  tokens
} from "./harness.ts"

const MiB = 1024 * 1024

type Outcome =
  | { readonly _tag: "Complete"; readonly contentLength: number; readonly bytes: Buffer }
  | { readonly _tag: "Cut"; readonly received: number; readonly error: string }

/**
 * A GET that reads the first chunk and then stops reading (the server's
 * writes back up), until `finish` reads the rest.
 */
const slowGet = (url: string, team: string, hash: string) => {
  let response: IncomingMessage | undefined
  const chunks: Array<Buffer> = []
  let outcome: Promise<Outcome> | undefined
  const firstChunk = new Promise<void>((resolve, reject) => {
    const request = httpGet(`${url}/v8/artifacts/${hash}?slug=${team}`, { headers: bearer(tokens.admin) }, (res) => {
      response = res
      if (res.statusCode !== 200) reject(new Error(`GET answered ${res.statusCode}`))
      res.once("data", (chunk: Buffer) => {
        chunks.push(chunk)
        res.pause()
        resolve()
      })
      outcome = new Promise<Outcome>((settle) => {
        const cut = (error: unknown) =>
          settle({ _tag: "Cut", received: chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0), error: String(error) })
        res.on("error", cut)
        res.on("aborted", () => cut("aborted"))
        res.on("end", () => {
          if (!res.complete) return cut("ended before the body was complete")
          settle({ _tag: "Complete", contentLength: Number(res.headers["content-length"]), bytes: Buffer.concat(chunks) })
        })
        res.on("close", () => {
          if (!res.complete) cut("closed before the body was complete")
        })
      })
    })
    request.on("error", reject)
  })
  return {
    firstChunk,
    finish: (): Promise<Outcome> => {
      response!.on("data", (chunk: Buffer) => chunks.push(chunk))
      response!.resume()
      return outcome!
    }
  }
}

describe("a reader racing an eviction on fs", () => {
  it("gets the whole artifact or a cut connection, never a short body that looks complete", async () => {
    const size = 8 * MiB
    const directory = tempDir("race")
    const server = await startRetentionServer({
      storage: FsStorage.layer({ directory }),
      index: SqliteIndex.layer({ filename: join(tempDir("race-index"), "hoard.db") }),
      // Rounds only when an upload takes the cache over its budget (which wakes the evictor).
      retention: { maxSizeBytes: 11 * MiB, interval: "1 hour" },
      writer: { batchWindow: "10 millis" }
    })
    try {
      const outcomes: Array<Outcome["_tag"]> = []
      for (let round = 0; round < 4; round++) {
        const [big] = hashes(1) as [string]
        const body = artifact(size)
        const sha = `${round}`.padStart(40, "c")
        expect((await put(server.url, teams.alpha.slug, big, body, { "x-artifact-sha": sha })).status).toBe(202)
        const file = join(directory, teams.alpha.id, big.slice(0, 2), big)
        await eventually(async () => (await retention(server.url, teams.alpha.slug)).artifact_count >= 1 || undefined)

        const reader = slowGet(server.url, teams.alpha.slug, big)
        await reader.firstChunk
        if (round % 2 === 0) {
          // Removed by a purge of its commit.
          const purge = await postJson(server.url, `/api/v1/teams/${teams.alpha.slug}/purges`, { sha })
          expect(purge.status).toBe(202)
        } else {
          // Removed by eviction: newer uploads take the cache over its budget, and the big one is the least recently used.
          const before = (await retention(server.url, teams.alpha.slug)).evicted.count
          for (const hash of hashes(2)) expect((await put(server.url, teams.alpha.slug, hash, artifact(2 * MiB))).status).toBe(202)
          await eventually(async () => (await retention(server.url, teams.alpha.slug)).evicted.count > before || undefined)
        }
        await eventually(async () => !existsSync(file) || undefined)

        const outcome = await reader.finish()
        outcomes.push(outcome._tag)
        if (outcome._tag === "Complete") {
          expect(outcome.contentLength).toBe(size)
          expect(outcome.bytes.byteLength).toBe(size)
          expect(sha256(outcome.bytes)).toBe(sha256(body))
        } else {
          // Cut short: the client can tell, since it never received Content-Length bytes.
          expect(outcome.received).toBeLessThan(size)
        }
        // It is gone for the next reader.
        const after = await fetch(`${server.url}/v8/artifacts/${big}?slug=${teams.alpha.slug}`, { headers: bearer(tokens.admin) })
        await after.arrayBuffer()
        expect(after.status).toBe(404)
        // Start the next round from an empty team.
        const all = await postJson(server.url, `/api/v1/teams/${teams.alpha.slug}/purges`, { all: true })
        expect(all.status).toBe(202)
        await eventually(async () => (await retention(server.url, teams.alpha.slug)).artifact_count === 0 || undefined)
      }
      expect(outcomes).toHaveLength(4)
    } finally {
      await server.close()
    }
  }, 60_000)
})
