import type { Analytics, Client, Summary } from "./api.ts"

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
  readonly buckets: ReadonlyArray<Summary>
}

/** The analytics of the whole window and of each bucket in it: one request (`?bucket=`). */
export const loadSeries = async (client: Client, granularity: Granularity, now = Date.now()): Promise<Series> => {
  const { count, size } = granularities[granularity]
  const end = Math.ceil(now / hourMs) * hourMs
  const totals = await client.analytics(end - count * size, end, granularity)
  const buckets = totals.buckets ?? []
  return { totals, times: buckets.map((bucket) => Date.parse(bucket.start)), buckets }
}
