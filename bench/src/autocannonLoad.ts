import autocannon from "autocannon"
import type { LoadResult } from "./loadResult.ts"
import { downloadHeaders, uploadHeaders } from "./protocol.ts"

/** Small requests (1 KiB GET and PUT) through autocannon, for a fixed duration. */
export interface SmallRequestSpec {
  readonly baseUrl: string
  readonly method: "GET" | "PUT"
  readonly size: number
  readonly connections: number
  readonly durationSeconds: number
  /** The path of the n-th request (autocannon calls it for every request). */
  readonly pathFor: (sequence: number) => string
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
  const succeeded = result["2xx"]
  const failed = result.errors + result.non2xx
  return {
    requests: succeeded,
    bytes: succeeded * spec.size,
    seconds: result.duration,
    errors: failed,
    firstError: failed === 0 ? undefined : `${result.errors} connection errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx answers`
  }
}
