import { Agent, request as httpRequest } from "node:http"
import { authorizationHeader } from "../protocol.ts"

/**
 * A small keep-alive JSON client for the management API and turbo's JSON
 * endpoints, timing each request from sending it to the last byte of the
 * answer. Every request has a timeout, so no loop waits forever.
 */
export interface Answer {
  readonly status: number
  readonly body: string
  /** Wall-clock milliseconds from sending the request to the end of the answer. */
  readonly ms: number
}

export interface JsonClient {
  readonly baseUrl: string
  readonly get: (path: string) => Promise<Answer>
  readonly post: (path: string, body: string) => Promise<Answer>
  /** GET, then fails unless 200; returns the parsed JSON and the time. */
  readonly getJson: <A = unknown>(path: string) => Promise<{ readonly json: A; readonly ms: number }>
  readonly close: () => void
}

const requestTimeoutMs = 60_000

export const makeClient = (baseUrl: string, connections = 1): JsonClient => {
  const base = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const send = (method: "GET" | "POST", path: string, body?: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...authorizationHeader, accept: "application/json" }
      if (body !== undefined) {
        headers["content-type"] = "application/json"
        headers["content-length"] = String(Buffer.byteLength(body))
      }
      const started = performance.now()
      const request = httpRequest({ agent, host: base.hostname, port: base.port, method, path, headers }, (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.once("error", reject)
        response.once("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started })
        )
      })
      request.setTimeout(requestTimeoutMs, () => request.destroy(new Error(`${method} ${path}: no answer within ${requestTimeoutMs} ms`)))
      request.once("error", reject)
      request.end(body)
    })
  return {
    baseUrl,
    get: (path) => send("GET", path),
    post: (path, body) => send("POST", path, body),
    getJson: async <A>(path: string) => {
      const answer = await send("GET", path)
      if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`)
      return { json: JSON.parse(answer.body) as A, ms: answer.ms }
    },
    close: () => agent.destroy()
  }
}
