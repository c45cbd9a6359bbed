import { randomBytes } from "node:crypto"
import { Agent, request as httpRequest } from "node:http"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import type { LoadResult } from "./loadResult.ts"
import { downloadHeaders, uploadHeaders } from "./protocol.ts"
import { MiB } from "./units.ts"

/**
 * A small node:http client for big transfers, with exact concurrency: one
 * worker per keep-alive connection, each sending its next request when the
 * previous one is answered. PUT bodies are streamed from one shared random
 * 1 MiB chunk with backpressure; GET bodies are counted and discarded.
 */
export interface TransferSpec {
  readonly baseUrl: string
  readonly method: "GET" | "PUT"
  readonly size: number
  readonly concurrency: number
  readonly pathFor: (worker: number, sequence: number) => string
  /** Keep starting requests until `afterMs` has passed (each worker sends at least one), or send an exact number. */
  readonly stop: { readonly afterMs: number } | { readonly requestsPerWorker: number }
}

let sharedChunk: Buffer | undefined
const bodyChunk = (): Buffer => (sharedChunk ??= randomBytes(MiB))

function* bodyChunks(size: number): Generator<Buffer> {
  const chunk = bodyChunk()
  for (let remaining = size; remaining > 0; remaining -= chunk.byteLength) {
    yield remaining >= chunk.byteLength ? chunk : chunk.subarray(0, remaining)
  }
}

const sendOne = (agent: Agent, base: URL, spec: TransferSpec, path: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const headers = spec.method === "PUT" ? { ...uploadHeaders, "content-length": String(spec.size) } : downloadHeaders
    const request = httpRequest(
      { agent, host: base.hostname, port: base.port, method: spec.method, path, headers },
      (response) => {
        let received = 0
        response.on("data", (data: Buffer) => {
          received += data.byteLength
        })
        response.once("error", reject)
        response.once("end", () => {
          const status = response.statusCode ?? 0
          if (status < 200 || status > 299) reject(new Error(`${spec.method} ${path} answered ${status}`))
          else if (spec.method === "GET" && received !== spec.size) {
            reject(new Error(`GET ${path} returned ${received} of ${spec.size} bytes`))
          } else resolve()
        })
      }
    )
    request.once("error", reject)
    if (spec.method === "PUT") pipeline(Readable.from(bodyChunks(spec.size)), request).catch(reject)
    else request.end()
  })

export const runTransferLoad = async (spec: TransferSpec): Promise<LoadResult> => {
  const base = new URL(spec.baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency })
  let requests = 0
  let errors = 0
  let firstError: string | undefined
  const started = performance.now()
  const deadline = "afterMs" in spec.stop ? started + spec.stop.afterMs : Number.POSITIVE_INFINITY
  const limit = "requestsPerWorker" in spec.stop ? spec.stop.requestsPerWorker : Number.POSITIVE_INFINITY
  const worker = async (index: number): Promise<void> => {
    for (let sequence = 0; sequence < limit && (sequence === 0 || performance.now() < deadline); sequence++) {
      try {
        await sendOne(agent, base, spec, spec.pathFor(index, sequence))
        requests++
      } catch (error) {
        errors++
        firstError ??= error instanceof Error ? error.message : String(error)
        return
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: spec.concurrency }, (_, index) => worker(index)))
  } finally {
    agent.destroy()
  }
  return { requests, bytes: requests * spec.size, seconds: (performance.now() - started) / 1000, errors, firstError }
}
