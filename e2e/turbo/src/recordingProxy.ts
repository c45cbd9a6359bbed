import { createServer, request as forward } from "node:http"
import type { AddressInfo } from "node:net"

export interface RecordedRequest {
  readonly method: string
  /** The request target exactly as the client sent it, e.g. `//v8/artifacts/status?slug=x`. */
  readonly url: string
  readonly status: number
}

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: point TURBO_API here (plus whatever path the test needs). */
  readonly url: string
  /** Requests forwarded so far, in the order their answers arrived. */
  readonly requests: () => ReadonlyArray<RecordedRequest>
  readonly close: () => Promise<void>
}

/**
 * A pass-through HTTP proxy that forwards every request verbatim (path
 * included, double slashes and all) to `target` and records what turbo asked
 * for, so tests can tell which protocol path a run took.
 */
export const startRecordingProxy = async (target: string): Promise<RecordingProxy> => {
  const { hostname, port } = new URL(target)
  const recorded: Array<RecordedRequest> = []
  const server = createServer((incoming, outgoing) => {
    const upstream = forward(
      { host: hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        recorded.push({ method: incoming.method ?? "", url: incoming.url ?? "", status: answer.statusCode ?? 0 })
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(outgoing)
      }
    )
    upstream.on("error", (error) => outgoing.destroy(error))
    incoming.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port: proxyPort } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    requests: () => [...recorded],
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)))
        server.closeAllConnections()
      })
  }
}
