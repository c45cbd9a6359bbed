import { randomBytes, randomUUID } from "node:crypto"
import { Agent, request } from "node:http"
import { artifactPath, authorizationHeader, benchTeam, downloadHeaders, hashOf, uploadHeaders } from "../protocol.ts"
import { KiB, MiB } from "../units.ts"

/**
 * The soak's traffic: what a fleet of turbo clients sends a shared cache, at
 * a fixed rate (open loop) with a bounded number of requests in flight.
 *
 * - 80 % `GET /v8/artifacts/:hash`: half hits (a hash uploaded earlier in the
 *   run, its body read to the end and its length checked), half misses (404);
 * - 15 % `PUT` of a new hash, 1 KiB to 4 MiB, log-uniform (many small
 *   artifacts, a few big ones: about 0.5 MiB on average);
 * - 5 % split between `POST /v8/artifacts/events` (a batch of 1 to 10 usage
 *   events) and `POST /v8/artifacts` (a batch existence query of 1 to 50
 *   hashes, hits and misses).
 *
 * Every loop is bounded: the run stops launching at `durationMs`, and every
 * request has a timeout.
 */

export type OperationKind = "getHit" | "getMiss" | "put" | "events" | "query"

export const operationKinds: ReadonlyArray<OperationKind> = ["getHit", "getMiss", "put", "events", "query"]

export interface MixedLoadOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:41234` (only loopback is allowed). */
  readonly url: string
  /** Operations launched per second. */
  readonly ratePerSecond: number
  readonly durationMs: number
  /** Most requests in flight; an operation due while all are busy is skipped (counted). */
  readonly concurrency: number
  readonly minPutBytes?: number
  readonly maxPutBytes?: number
  /** Per-request timeout. Default 30 s. */
  readonly requestTimeoutMs?: number
  /** Distinguishes the hashes of several runs against one server. Default: random. */
  readonly runTag?: number
  /** Called about once a second with the counts so far. */
  readonly onProgress?: (counts: LoadCounts, elapsedMs: number) => void
}

export interface LoadCounts {
  /** Requests that got an answer or failed (skipped ones excluded). */
  readonly requests: number
  readonly byKind: Readonly<Record<OperationKind, number>>
  /** Requests whose status, body or connection was not what the operation expects. */
  readonly errors: number
  /** The first few errors, for the report. */
  readonly errorSamples: ReadonlyArray<string>
  /** Operations that came due while `concurrency` requests were in flight: the rate was not reached. */
  readonly skipped: number
  readonly bytesUploaded: number
  readonly bytesDownloaded: number
}

const maxErrorSamples = 10
/** Hashes the GET hits and queries pick from: the most recent uploads, a bounded ring. */
const knownHashCapacity = 20_000
/** One tick of the scheduler. */
const tickMs = 10

const isLoopback = (url: string): boolean => {
  const { hostname } = new URL(url)
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]"
}

/** A size from `min` to `max`, log-uniform. */
const logUniform = (min: number, max: number): number =>
  Math.round(Math.exp(Math.log(min) + Math.random() * (Math.log(max) - Math.log(min))))

const pickKind = (): OperationKind => {
  const r = Math.random()
  if (r < 0.4) return "getHit"
  if (r < 0.8) return "getMiss"
  if (r < 0.95) return "put"
  return r < 0.975 ? "events" : "query"
}

/** ECONNRESET on a reused keep-alive connection before any answer: safe to send again. */
class StaleConnection extends Error {
  override readonly cause: Error
  constructor(cause: Error) {
    super(cause.message)
    this.cause = cause
  }
}

interface Answer {
  readonly status: number
  readonly body: Buffer | undefined
  readonly bodyBytes: number
}

/** Runs the mix until `durationMs` has passed and every request in flight is answered. */
export const runMixedLoad = async (options: MixedLoadOptions): Promise<LoadCounts> => {
  if (!isLoopback(options.url)) throw new Error(`the soak only sends traffic to loopback, not ${options.url}`)
  const minPut = options.minPutBytes ?? KiB
  const maxPut = Math.max(minPut, options.maxPutBytes ?? 4 * MiB)
  const timeoutMs = options.requestTimeoutMs ?? 30_000
  const runTag = options.runTag ?? 0x10 + Math.floor(Math.random() * 0xe0)
  const payload = randomBytes(maxPut)
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency })
  const base = new URL(options.url)

  const byKind: Record<OperationKind, number> = { getHit: 0, getMiss: 0, put: 0, events: 0, query: 0 }
  const errorSamples: Array<string> = []
  let requests = 0
  let errors = 0
  let skipped = 0
  let bytesUploaded = 0
  let bytesDownloaded = 0
  let inFlight = 0
  let nextHash = 0
  /** Uploaded hashes and their sizes, for GET hits (ring buffer). */
  const known: Array<{ readonly hash: string; readonly size: number }> = []
  let knownNext = 0
  const sessionId = randomUUID()

  const freshHash = () => hashOf(runTag, nextHash++)
  const missHash = () => hashOf(runTag ^ 0xff, Math.floor(Math.random() * 2 ** 48))
  const remember = (hash: string, size: number) => {
    if (known.length < knownHashCapacity) known.push({ hash, size })
    else known[knownNext] = { hash, size }
    knownNext = (knownNext + 1) % knownHashCapacity
  }
  const pickKnown = () => known[Math.floor(Math.random() * known.length)]

  const fail = (message: string) => {
    errors++
    if (errorSamples.length < maxErrorSamples) errorSamples.push(message)
  }

  /**
   * One request. A keep-alive connection the server closes (idle timeout)
   * just as a request is sent on it fails with ECONNRESET before any answer:
   * that request is sent once more on a new connection, as Node's docs advise
   * and as turbo's client does. ("socket hang up" is Node's ECONNRESET there.)
   */
  const send = (
    method: string,
    path: string,
    headers: Record<string, string | number>,
    body: Buffer | undefined,
    keepBody: boolean
  ): Promise<Answer> =>
    sendOnce(method, path, headers, body, keepBody, agent).catch((error: unknown) => {
      if (!(error instanceof StaleConnection)) throw error
      // A connection of its own: another pooled one may be just as stale.
      return sendOnce(method, path, headers, body, keepBody, false).catch((retryError: unknown) => {
        throw retryError instanceof StaleConnection ? retryError.cause : retryError
      })
    })

  const sendOnce = (
    method: string,
    path: string,
    headers: Record<string, string | number>,
    body: Buffer | undefined,
    keepBody: boolean,
    via: Agent | false
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      let answered = false
      const req = request({ host: base.hostname, port: base.port, method, path, headers, agent: via, timeout: timeoutMs }, (res) => {
        answered = true
        const chunks: Array<Buffer> = []
        let bodyBytes = 0
        res.on("data", (chunk: Buffer) => {
          bodyBytes += chunk.length
          if (keepBody) chunks.push(chunk)
        })
        res.once("end", () => resolve({ status: res.statusCode ?? 0, body: keepBody ? Buffer.concat(chunks) : undefined, bodyBytes }))
        res.once("error", reject)
      })
      req.once("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.once("error", (error: NodeJS.ErrnoException) => {
        reject(!answered && req.reusedSocket && error.code === "ECONNRESET" ? new StaleConnection(error) : error)
      })
      req.end(body)
    })

  const jsonHeaders = { ...authorizationHeader, "content-type": "application/json" }

  const operation = async (kind: OperationKind): Promise<void> => {
    switch (kind) {
      case "getHit": {
        const target = pickKnown()!
        const answer = await send("GET", artifactPath(target.hash), downloadHeaders, undefined, false)
        bytesDownloaded += answer.bodyBytes
        if (answer.status !== 200) return fail(`GET hit ${target.hash}: status ${answer.status}`)
        if (answer.bodyBytes !== target.size) return fail(`GET hit ${target.hash}: ${answer.bodyBytes} of ${target.size} bytes`)
        return
      }
      case "getMiss": {
        const answer = await send("GET", artifactPath(missHash()), downloadHeaders, undefined, false)
        if (answer.status !== 404) fail(`GET miss: status ${answer.status}`)
        return
      }
      case "put": {
        const hash = freshHash()
        const size = logUniform(minPut, maxPut)
        const answer = await send(
          "PUT",
          artifactPath(hash),
          { ...uploadHeaders, "content-length": size },
          payload.subarray(0, size),
          false
        )
        if (answer.status !== 202) return fail(`PUT ${hash} (${size} bytes): status ${answer.status}`)
        bytesUploaded += size
        remember(hash, size)
        return
      }
      case "events": {
        const count = 1 + Math.floor(Math.random() * 10)
        const events = Array.from({ length: count }, () => {
          const hit = Math.random() < 0.5 ? pickKnown() : undefined
          return hit === undefined
            ? { sessionId, source: "REMOTE", event: "MISS", hash: missHash() }
            : { sessionId, source: "REMOTE", event: "HIT", hash: hit.hash, duration: 1234 }
        })
        const answer = await send("POST", `/v8/artifacts/events?slug=${benchTeam}`, jsonHeaders, Buffer.from(JSON.stringify(events)), false)
        if (answer.status !== 200) fail(`POST events: status ${answer.status}`)
        return
      }
      case "query": {
        const count = 1 + Math.floor(Math.random() * 50)
        const hashes = [...new Set(Array.from({ length: count }, () => (Math.random() < 0.5 ? pickKnown()?.hash : undefined) ?? missHash()))]
        const answer = await send("POST", `/v8/artifacts?slug=${benchTeam}`, jsonHeaders, Buffer.from(JSON.stringify({ hashes })), true)
        if (answer.status !== 200) return fail(`POST query: status ${answer.status}`)
        let parsed: unknown
        try {
          parsed = JSON.parse(answer.body!.toString("utf8"))
        } catch {
          return fail("POST query: the answer is not JSON")
        }
        const missingKeys = hashes.filter((hash) => typeof parsed !== "object" || parsed === null || !(hash in parsed))
        if (missingKeys.length > 0) fail(`POST query: ${missingKeys.length} of ${hashes.length} hashes not answered`)
        return
      }
    }
  }

  const launch = (picked: OperationKind) => {
    // Until something is uploaded, a hit is a miss.
    const kind = picked === "getHit" && known.length === 0 ? "getMiss" : picked
    inFlight++
    byKind[kind]++
    return operation(kind)
      .catch((error: unknown) => fail(`${kind}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        inFlight--
        requests++
      })
  }

  const pending = new Set<Promise<void>>()
  const started = performance.now()
  let launched = 0
  let lastProgress = started
  const snapshot = (): LoadCounts => ({
    requests,
    byKind: { ...byKind },
    errors,
    errorSamples: [...errorSamples],
    skipped,
    bytesUploaded,
    bytesDownloaded
  })

  try {
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now()
        const elapsed = now - started
        const due = Math.floor(Math.min(elapsed, options.durationMs) / 1000 * options.ratePerSecond) - launched
        for (let i = 0; i < due; i++) {
          launched++
          if (inFlight >= options.concurrency) {
            skipped++
            continue
          }
          const done = launch(pickKind())
          pending.add(done)
          void done.finally(() => pending.delete(done))
        }
        if (now - lastProgress >= 1000) {
          lastProgress = now
          options.onProgress?.(snapshot(), elapsed)
        }
        if (elapsed >= options.durationMs) {
          clearInterval(timer)
          resolve()
        }
      }, tickMs)
    })
    // Every request has a timeout, so this ends.
    await Promise.all(pending)
  } finally {
    agent.destroy()
  }
  return snapshot()
}
