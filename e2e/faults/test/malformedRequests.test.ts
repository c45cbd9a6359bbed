import { connect } from "node:net"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ListeningProcess } from "@hoard/e2e-turbo/hoardProcess"
import { cacheClient } from "../src/artifacts.ts"
import { startHoardCli } from "../src/hoardCli.ts"
import { malformedRequest } from "../src/malformed.ts"
import type { MalformedRequest } from "../src/malformed.ts"

const token = "faults-token-0123456789"
const total = 10_000
const concurrency = 32
const seed = Number(process.env["HOARD_FUZZ_SEED"] ?? 20261201)

/** Sends raw bytes and resolves with the status of the answer, if one came within 5 s (a 400 may also come as a bare close). */
const send = (url: URL, request: MalformedRequest): Promise<number | undefined> =>
  new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) })
    let received = ""
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      const match = /^HTTP\/1\.[01] (\d{3})/u.exec(received)
      resolve(match === null ? undefined : Number(match[1]))
    }
    const timer = setTimeout(done, 5_000)
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1")
      if (/^HTTP\/1\.[01] \d{3}/u.test(received)) done()
    })
    socket.on("error", done)
    socket.on("close", done)
    socket.write(request.bytes, () => {
      if (request.hangUp) socket.end()
    })
  })

describe(`${total} malformed requests`, () => {
  let root: string
  let server: ListeningProcess
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "hoard-faults-fuzz-"))
    server = await startHoardCli({ storageDir: join(root, "artifacts"), dataDir: root, token })
  })
  afterAll(async () => {
    await server?.stop(10_000)
    await rm(root, { recursive: true, force: true })
  })

  it(`get no 5xx, and the server keeps answering (seed ${seed})`, async () => {
    const url = new URL(server.url)
    const statuses = new Map<number | "none", number>()
    const serverErrors: Array<string> = []
    let next = 0
    const worker = async () => {
      while (next < total) {
        const n = next++
        const request = malformedRequest(seed, n)
        const status = await send(url, request)
        statuses.set(status ?? "none", (statuses.get(status ?? "none") ?? 0) + 1)
        if (status !== undefined && status >= 500) serverErrors.push(`#${n} (${request.kind}) → ${status}: ${JSON.stringify(request.bytes.subarray(0, 200).toString("latin1"))}`)
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))

    expect(serverErrors.slice(0, 20), `5xx answers (HOARD_FUZZ_SEED=${seed}); statuses ${JSON.stringify([...statuses])}`).toEqual([])
    // Most requests got a real answer, not only dropped connections.
    const answered = [...statuses].filter(([status]) => status !== "none").reduce((sum, [, count]) => sum + count, 0)
    expect(answered).toBeGreaterThan(total / 2)
    // They reached the parser, auth and the routes, not only a closed door.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([400, 401, 404]))
    const status = await cacheClient(server.url, token).status()
    expect(status.status).toBe(200)
    expect(server.output()).not.toMatch(/unhandled|FATAL|heap out of memory/iu)
  })
})
