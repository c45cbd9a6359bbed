import { randomBytes } from "node:crypto"
import { Agent, request as httpRequest } from "node:http"
import { setTimeout as sleep } from "node:timers/promises"
import { uploadHeaders } from "../protocol.ts"

/**
 * Sustained uploads, each to a new hash (as turbo's are), with exact
 * concurrency: one worker per keep-alive connection, each sending its next
 * PUT when the previous one is answered, until `accepted` uploads have been
 * stored (or `maxMs` has passed). Unlike the transfer client, an answer that
 * is not 2xx does not stop a worker: a 507 (the cache past its hard ceiling)
 * is counted and the next upload, to the next hash, goes on at once, as turbo
 * carries on with the build (it retries nothing).
 */
export interface PutLoadSpec {
  readonly baseUrl: string
  readonly size: number
  readonly connections: number
  /** Uploads to store: the run ends when this many have been answered 2xx. */
  readonly accepted: number
  /** The path of the n-th upload. */
  readonly pathFor: (sequence: number) => string
  /** Stops starting uploads after this long, however many are stored. */
  readonly maxMs: number
}

export interface PutLoadResult {
  readonly sent: number
  /** Answered 2xx: stored. */
  readonly accepted: number
  readonly acceptedBytes: number
  /** Answered 507 Insufficient Storage. */
  readonly insufficient: number
  /** Any other answer, or no answer (connection errors). */
  readonly failed: number
  readonly firstFailure: string | undefined
  /** From the first request to the last answer. */
  readonly seconds: number
  /** Whether `maxMs` cut the run short. */
  readonly timedOut: boolean
}

const sendOne = (agent: Agent, base: URL, body: Buffer, path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    let status: number | undefined
    const request = httpRequest(
      { agent, host: base.hostname, port: base.port, method: "PUT", path, headers: { ...uploadHeaders, "content-length": String(body.length) } },
      (response) => {
        status = response.statusCode ?? 0
        response.resume()
        response.once("error", reject)
        response.once("end", () => resolve(status!))
      }
    )
    // A server may answer (507) before it has read the body and then close the
    // connection: the answer counts, the write error that follows does not.
    request.once("error", (error) => (status === undefined ? reject(error) : resolve(status)))
    request.end(body)
  })

export const runPutLoad = async (spec: PutLoadSpec): Promise<PutLoadResult> => {
  const base = new URL(spec.baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections })
  const body = randomBytes(spec.size)
  let next = 0
  let accepted = 0
  let insufficient = 0
  let failed = 0
  let firstFailure: string | undefined
  let timedOut = false
  const started = performance.now()
  const deadline = started + spec.maxMs
  let inFlight = 0
  const worker = async (): Promise<void> => {
    while (accepted < spec.accepted) {
      if (performance.now() >= deadline) {
        timedOut = true
        return
      }
      // Near the end: as many in flight as are still needed; wait for them before sending more.
      if (accepted + inFlight >= spec.accepted) {
        await sleep(2)
        continue
      }
      const path = spec.pathFor(next++)
      inFlight++
      try {
        const status = await sendOne(agent, base, body, path)
        if (status >= 200 && status <= 299) accepted++
        else if (status === 507) insufficient++
        else {
          failed++
          firstFailure ??= `PUT ${path} answered ${status}`
        }
      } catch (error) {
        failed++
        firstFailure ??= `PUT ${path}: ${error instanceof Error ? error.message : String(error)}`
      } finally {
        inFlight--
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: spec.connections }, worker))
  } finally {
    agent.destroy()
  }
  return {
    sent: next,
    accepted,
    acceptedBytes: accepted * spec.size,
    insufficient,
    failed,
    firstFailure,
    seconds: (performance.now() - started) / 1000,
    timedOut
  }
}
