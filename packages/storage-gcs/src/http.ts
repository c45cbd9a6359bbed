import * as http from "node:http"
import * as https from "node:https"
import { Duration, Effect } from "effect"
import { BackendTimeout } from "./failures.ts"

/** Keep-alive agents for the byte transfers, closed with the storage. */
export interface HttpAgents {
  readonly http: http.Agent
  readonly https: https.Agent
}

export const makeAgents = (): HttpAgents => ({
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true })
})

export const closeAgents = (agents: HttpAgents): void => {
  agents.http.destroy()
  agents.https.destroy()
}

export const startRequest = (
  url: URL,
  agents: HttpAgents,
  options: { readonly method: "GET" | "PUT"; readonly headers: Record<string, string> }
): http.ClientRequest => {
  const secure = url.protocol === "https:"
  return (secure ? https : http).request(url, { ...options, agent: secure ? agents.https : agents.http })
}

/** The backend answered with an error status. `code` is the HTTP status, as on SDK errors. */
export class HttpStatusError extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.name = "HttpStatusError"
    this.code = code
  }
}

/** An error for a non-success answer, with the message of a GCS JSON error body when there is one. */
export const statusError = (status: number, body: string, context: string): HttpStatusError => {
  let message = body.trim()
  try {
    const parsed = JSON.parse(message) as { error?: { message?: unknown } }
    if (typeof parsed.error?.message === "string") message = parsed.error.message
  } catch {
    // Not JSON: keep the text.
  }
  return new HttpStatusError(status, `${context} was answered with HTTP ${status}: ${message.slice(0, 500)}`)
}

const maxTextBytes = 64 * 1024

/** The text of a (small) response body; anything past 64 KiB is dropped. */
export const readText = (incoming: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let length = 0
    incoming.on("data", (chunk: Buffer) => {
      if (length < maxTextBytes) chunks.push(chunk)
      length += chunk.byteLength
    })
    incoming.on("error", reject)
    incoming.once("close", () => {
      if (!incoming.complete) reject(new Error("the connection closed before the response was complete"))
    })
    incoming.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
  })

/** Fails with `BackendTimeout` when `effect` takes longer than `timeoutMs` (and interrupts it). */
export const backendTimeout = (timeoutMs: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(effect, {
    duration: Duration.millis(timeoutMs),
    orElse: () => Effect.fail(new BackendTimeout(timeoutMs))
  })
