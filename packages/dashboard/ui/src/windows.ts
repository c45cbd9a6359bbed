import type { Analytics, Client } from "./api.ts"

const hourMs = 60 * 60 * 1000

/** The chart granularities: `count` buckets of `size`, ending at the next whole hour. */
export const granularities = {
  hour: { label: "Hourly, last 24 hours", size: hourMs, count: 24 },
  day: { label: "Daily, last 30 days", size: 24 * hourMs, count: 30 },
  week: { label: "Weekly, last 12 weeks", size: 7 * 24 * hourMs, count: 12 }
} as const
export type Granularity = keyof typeof granularities

export interface Series {
  readonly totals: Analytics
  readonly times: ReadonlyArray<number>
  readonly buckets: ReadonlyArray<Analytics>
}

/** Runs `tasks` at most `limit` at a time (a browser opens about 6 connections per origin anyway). */
const inBatches = async <A,>(tasks: ReadonlyArray<() => Promise<A>>, limit: number): Promise<ReadonlyArray<A>> => {
  const results: Array<A> = []
  for (let start = 0; start < tasks.length; start += limit) {
    results.push(...await Promise.all(tasks.slice(start, start + limit).map((task) => task())))
  }
  return results
}

/**
 * The analytics of the whole window and of each bucket in it. The management
 * API answers one window per request (counted in whole hours), so the chart's
 * points are one request each.
 */
export const loadSeries = async (client: Client, granularity: Granularity, now = Date.now()): Promise<Series> => {
  const { count, size } = granularities[granularity]
  const end = Math.ceil(now / hourMs) * hourMs
  const start = end - count * size
  const times = Array.from({ length: count }, (_, index) => start + index * size)
  const [totals, ...buckets] = await inBatches(
    [() => client.analytics(start, end), ...times.map((from) => () => client.analytics(from, from + size))],
    6
  )
  return { totals: totals!, times, buckets }
}
