/** What one load run measured, from the client's side. */
export interface LoadResult {
  /** Requests answered with the expected status (and, for GET, the whole body). */
  readonly requests: number
  /** Artifact bytes moved by those requests. */
  readonly bytes: number
  /** Wall-clock seconds from the first request to the last answer. */
  readonly seconds: number
  /** Failed requests: connection errors, timeouts, unexpected statuses, short bodies. */
  readonly errors: number
  readonly firstError: string | undefined
  /** 99th-percentile latency in ms, when the load generator measures it (autocannon). */
  readonly latencyP99Ms?: number
}
