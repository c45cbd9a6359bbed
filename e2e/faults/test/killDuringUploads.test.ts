import { randomBytes } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cacheClient, digest, randomHash } from "../src/artifacts.ts"
import { startHoardCli } from "../src/hoardCli.ts"

const token = "faults-token-0123456789"
const rounds = 3
const hashesPerRound = 8
const versionsPerHash = 3

interface Version {
  readonly digest: string
  readonly size: number
  readonly durationMs: number
}

describe("kill -9 during concurrent uploads and overwrites", () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "hoard-faults-kill-"))
  })
  afterAll(() => rm(root, { recursive: true, force: true }))

  it(`after each of ${rounds} crashes and a restart, every hash is a miss or one whole version with its own metadata`, async () => {
    const dirs = { storageDir: join(root, "artifacts"), dataDir: root, token }
    const versions = new Map<string, Array<Version>>()
    let durationMs = 1
    for (let round = 0; round < rounds; round++) {
      const server = await startHoardCli(dirs)
      const client = cacheClient(server.url, token)
      const hashes = Array.from({ length: hashesPerRound }, randomHash)
      const uploads: Array<Promise<unknown>> = []
      let stored = 0
      for (const hash of hashes) {
        for (let version = 0; version < versionsPerHash; version++) {
          const body = randomBytes(256 * 1024 + Math.floor(Math.random() * 4 * 1024 * 1024))
          const entry = { digest: digest(body), size: body.byteLength, durationMs: durationMs++ }
          versions.set(hash, [...versions.get(hash) ?? [], entry])
          uploads.push(client.put(hash, body, entry.durationMs).then((response) => {
            if (response.status === 202) stored++
          }, () => {}))
        }
      }
      // Kill mid-flight: some uploads done, most still streaming.
      for (let waited = 0; stored < 3 && waited < 10_000; waited += 10) await sleep(10)
      process.kill(server.pid, "SIGKILL")
      await Promise.all(uploads)
      await server.stop(10_000)

      const restarted = await startHoardCli(dirs)
      try {
        const after = cacheClient(restarted.url, token)
        let hits = 0
        for (const [hash, uploaded] of versions) {
          const response = await after.get(hash)
          if (response.status === 404) {
            await response.arrayBuffer()
            expect((await after.head(hash)).status, `HEAD agrees with GET on ${hash}`).toBe(404)
            continue
          }
          expect(response.status, hash).toBe(200)
          const body = new Uint8Array(await response.arrayBuffer())
          const version = uploaded.find((candidate) => candidate.digest === digest(body))
          expect(version, `${hash} holds the bytes of one uploaded version`).toBeDefined()
          expect(Number(response.headers.get("x-artifact-duration")), `${hash} has that version's metadata`).toBe(version!.durationMs)
          const head = await after.head(hash)
          expect(head.status).toBe(200)
          expect(Number(head.headers.get("content-length"))).toBe(version!.size)
          hits++
        }
        expect(hits, "some uploads completed before each crash").toBeGreaterThan(0)
      } finally {
        await restarted.stop(10_000)
      }
    }
  })
})
