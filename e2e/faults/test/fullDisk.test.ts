import { randomBytes } from "node:crypto"
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ListeningProcess } from "@hoard/e2e-turbo/hoardProcess"
import { cacheClient, digest, randomHash } from "../src/artifacts.ts"
import { startHoardCli } from "../src/hoardCli.ts"
import { privateDisk } from "../src/privateDisk.ts"

const token = "faults-token-0123456789"
const MiB = 1024 * 1024

/** A 503 a client can act on, that tells it nothing of the server's disks. */
const expectCleanStorageError = async (response: Response, root: string) => {
  const text = await response.text()
  expect(response.status, text).toBe(503)
  expect(JSON.parse(text)).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } })
  expect(text).not.toContain(root)
  expect(text).not.toMatch(/ENOSPC|EROFS|ENOENT|EACCES/u)
}

describe("the storage disk fills up, then turns read-only", () => {
  let root: string
  let server: ListeningProcess
  let disk: ReturnType<typeof privateDisk>
  let storageDir: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "hoard-faults-disk-"))
    const mountPoint = join(root, "disk")
    await mkdir(mountPoint)
    storageDir = join(mountPoint, "artifacts")
    disk = privateDisk(mountPoint, 24 * MiB, 8 * MiB)
    server = await startHoardCli({ storageDir, dataDir: root, token, wrapper: disk.wrapper })
  })
  afterAll(async () => {
    await server?.stop(10_000)
    await rm(root, { recursive: true, force: true })
  })

  it("a full disk answers uploads 503 without a path or errno, stores nothing partial, keeps what it had, and recovers when space returns", async () => {
    const client = cacheClient(server.url, token)
    const stored = new Map<string, string>()
    let refused: { readonly hash: string; readonly response: Response } | undefined
    for (let attempt = 0; attempt < 40 && refused === undefined; attempt++) {
      const hash = randomHash()
      const body = randomBytes(MiB)
      const response = await client.put(hash, body)
      if (response.status === 202) {
        await response.arrayBuffer()
        stored.set(hash, digest(body))
      } else refused = { hash, response }
    }
    expect(refused, "the disk filled up").toBeDefined()
    expect(stored.size).toBeGreaterThan(5)
    await expectCleanStorageError(refused!.response, root)

    // Nothing partial: the refused hash is a miss and no temp file is left behind.
    expect((await client.head(refused!.hash)).status).toBe(404)
    expect((await disk.files(server.pid, storageDir)).filter((file) => file.includes(".tmp"))).toEqual([])
    for (const [hash, expected] of stored) {
      const response = await client.get(hash)
      expect(response.status).toBe(200)
      expect(digest(new Uint8Array(await response.arrayBuffer()))).toBe(expected)
    }
    expect((await client.status()).status).toBe(200)

    await disk.freeBallast(server.pid)
    const hash = randomHash()
    const body = randomBytes(MiB)
    expect((await client.put(hash, body)).status).toBe(202)
    expect(digest(new Uint8Array(await (await client.get(hash)).arrayBuffer()))).toBe(digest(body))
  })

  it("a read-only disk answers uploads 503 without a path or errno, still serves reads, and recovers once writable", async () => {
    const client = cacheClient(server.url, token)
    const kept = randomHash()
    const keptBody = randomBytes(64 * 1024)
    expect((await client.put(kept, keptBody)).status).toBe(202)

    await disk.remount(server.pid, "ro")
    try {
      const hash = randomHash()
      await expectCleanStorageError(await client.put(hash, randomBytes(64 * 1024)), root)
      expect((await client.head(hash)).status).toBe(404)
      // A team never seen before needs new directories: the log names the real cause, not ENOENT.
      const newTeam = cacheClient(server.url, token, "faults-new-team")
      const logged = server.output().length
      await expectCleanStorageError(await newTeam.put(randomHash(), randomBytes(1024)), root)
      expect(server.output().slice(logged)).toMatch(/EROFS/u)
      expect(server.output().slice(logged)).not.toMatch(/ENOENT/u)
      const read = await client.get(kept)
      expect(read.status).toBe(200)
      expect(digest(new Uint8Array(await read.arrayBuffer()))).toBe(digest(keptBody))
    } finally {
      await disk.remount(server.pid, "rw")
    }
    expect((await client.put(randomHash(), randomBytes(64 * 1024))).status).toBe(202)
  })
})
