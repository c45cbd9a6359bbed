import { Effect, Metric } from "effect"
import { labelledCounter, labelledHistogram } from "./labelled.ts"

/**
 * Request metrics, labelled by the route's template (never the raw URL, so
 * the label set stays bounded); a request no route matched is
 * `route="unmatched"`. `PrometheusMetrics.format()` renders them with every
 * other Effect metric.
 */

export const unmatchedRoute = "unmatched"

const requestsDescription = "HTTP requests answered, by method, route template and status"
const durationDescription = "Time from a request's arrival until its response was sent, by method and route template"
// 1 ms (a hit from memory) to a minute (a large upload).
const durationBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const requestBytesDescription = "Request body bytes received (as declared by Content-Length), by method and route template"
const responseBytesDescription = "Response body bytes sent (as declared by the response), by method and route template"

export const requestsTotal = Metric.counter("hoard_http_requests_total", { description: requestsDescription, incremental: true })

export const requestDuration = Metric.histogram("hoard_http_request_duration_seconds", {
  description: durationDescription,
  boundaries: durationBoundaries
})

export const requestBytesTotal = Metric.counter("hoard_http_request_bytes_total", {
  description: requestBytesDescription,
  incremental: true
})

export const responseBytesTotal = Metric.counter("hoard_http_response_bytes_total", {
  description: responseBytesDescription,
  incremental: true
})

export const uploadsInFlight = Metric.gauge("hoard_uploads_in_flight", {
  description: "Artifact uploads in progress on this server"
})

/** What the metrics learn about one answered request. */
export interface RequestSample {
  readonly method: string
  readonly route: string | undefined
  readonly status: number
  readonly bytesIn: number
  readonly bytesOut: number
  readonly durationMs: number
}

// Methods outside this set are counted as `OTHER`, so a client cannot grow the label set.
const knownMethods = new Set(["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"])

interface Series {
  readonly requests: Metric.Metric<number, unknown>
  readonly duration: Metric.Metric<number, unknown>
  readonly bytesIn: Metric.Metric<number, unknown>
  readonly bytesOut: Metric.Metric<number, unknown>
}

// The series of the metrics above, made once per method/route/status with their labels (see `labelled`).
const requestsBy = labelledCounter(requestsTotal.id, requestsDescription)
const durationBy = labelledHistogram(requestDuration.id, durationDescription, durationBoundaries)
const requestBytesBy = labelledCounter(requestBytesTotal.id, requestBytesDescription)
const responseBytesBy = labelledCounter(responseBytesTotal.id, responseBytesDescription)

// The four together by method, route and status: one lookup per request instead of four.
const seriesCache = new Map<string, Series>()
const seriesOf = (method: string, route: string, status: number): Series => {
  const key = `${method} ${route} ${status}`
  let series = seriesCache.get(key)
  if (series === undefined) {
    const byRoute = { method, route }
    series = {
      requests: requestsBy({ ...byRoute, status: String(status) }),
      duration: durationBy(byRoute),
      bytesIn: requestBytesBy(byRoute),
      bytesOut: responseBytesBy(byRoute)
    }
    seriesCache.set(key, series)
  }
  return series
}

/** Counts one answered request. */
export const recordRequest = (sample: RequestSample): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const method = knownMethods.has(sample.method) ? sample.method : "OTHER"
    const series = seriesOf(method, sample.route ?? unmatchedRoute, sample.status)
    const context = fiber.context
    series.requests.updateUnsafe(1, context)
    series.duration.updateUnsafe(sample.durationMs / 1000, context)
    series.bytesIn.updateUnsafe(sample.bytesIn, context)
    series.bytesOut.updateUnsafe(sample.bytesOut, context)
    return Effect.void
  })
