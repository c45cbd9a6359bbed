import autocannon from "autocannon"
import type { LoadResult } from "./loadResult.ts"
import { downloadHeaders, uploadHeaders } from "./protocol.ts"

/** Small requests (1 KiB GET and PUT, GET misses) through autocannon, for a fixed duration. */
export interface SmallRequestSpec {
  readonly baseUrl: string
  readonly method: "GET" | "PUT"
  readonly size: number
  readonly connections: number
  readonly durationSeconds: number
  /** The path of the n-th request (autocannon calls it for every request). */
  readonly pathFor: (sequence: number) => string
  /** The status every answer must have (a GET miss expects 404); any 2xx when unset. */
  readonly expectedStatus?: number
}

export const runAutocannonLoad = async (spec: SmallRequestSpec): Promise<LoadResult> => {
  let sequence = 0
  const body = spec.method === "PUT" ? Buffer.alloc(spec.size, 0x5a) : undefined
  const result = await autocannon({
    url: spec.baseUrl,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.durationSeconds,
    method: spec.method,
    headers: { ...(spec.method === "PUT" ? uploadHeaders : downloadHeaders) },
    ...(body !== undefined && { body }),
    requests: [{ setupRequest: (request) => ({ ...request, path: spec.pathFor(sequence++) }) }]
  })
  const answered = result["1xx"] + result["2xx"] + result["3xx"] + result["4xx"] + result["5xx"]
  const succeeded =
    spec.expectedStatus === undefined ? result["2xx"] : (result.statusCodeStats?.[`${spec.expectedStatus}`]?.count ?? 0)
  const wrongStatus = answered - succeeded
  const failed = result.errors + wrongStatus
  const expected = spec.expectedStatus === undefined ? "2xx" : String(spec.expectedStatus)
  return {
    requests: succeeded,
    // A miss moves no artifact bytes.
    bytes: spec.expectedStatus === undefined ? succeeded * spec.size : 0,
    seconds: result.duration,
    errors: failed,
    firstError:
      failed === 0 ? undefined : `${result.errors} connection errors (${result.timeouts} timeouts), ${wrongStatus} answers other than ${expected}`,
    latencyP99Ms: result.latency.p99
  }
}
