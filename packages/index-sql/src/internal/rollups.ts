/**
 * Hourly rollup counters: what one event adds, summed per (team, hour) over a
 * batch so the index applies one upsert per bucket.
 */
import { rollupHourMs } from "@hoard/core"
import type { RollupTotals, StoredActivityEvent } from "@hoard/core"

export const counterColumns = [
  "hits_local",
  "hits_remote",
  "misses_local",
  "misses_remote",
  "time_saved_ms",
  "uploads",
  "bytes_uploaded",
  "downloads",
  "bytes_downloaded",
  "rejected"
] as const
export type Counter = typeof counterColumns[number]
export type Counters = Record<Counter, number>

export interface Bucket extends Counters {
  readonly team_id: string
  readonly hour: number
}

const integer = (value: number | undefined): number => (value === undefined ? 0 : Math.round(value))

/** The counters an event adds, or `undefined` when it counts for nothing. */
const incrementsOf = (event: StoredActivityEvent): Partial<Counters> | undefined => {
  const { data } = event
  switch (event.event_type) {
    case "usage.hit":
      if (data.source === "LOCAL") return { hits_local: 1 }
      if (data.source === "REMOTE") return { hits_remote: 1, time_saved_ms: integer(data.duration_ms) }
      return undefined
    case "usage.miss":
      if (data.source === "LOCAL") return { misses_local: 1 }
      if (data.source === "REMOTE") return { misses_remote: 1 }
      return undefined
    case "artifact.uploaded":
      return { uploads: 1, bytes_uploaded: integer(data.size) }
    case "artifact.downloaded":
      return { downloads: 1, bytes_downloaded: integer(data.size) }
    case "auth.rejected":
      return { rejected: 1 }
    default:
      return undefined
  }
}

const zero = (): Counters => ({
  hits_local: 0,
  hits_remote: 0,
  misses_local: 0,
  misses_remote: 0,
  time_saved_ms: 0,
  uploads: 0,
  bytes_uploaded: 0,
  downloads: 0,
  bytes_downloaded: 0,
  rejected: 0
})

/** Sums the increments of a batch's events per (team, hour). */
export class RollupAccumulator {
  private readonly buckets = new Map<string, { team_id: string; hour: number } & Counters>()

  add(event: StoredActivityEvent): void {
    const increments = incrementsOf(event)
    if (increments === undefined) return
    const team = event.team_id ?? ""
    const hour = Math.floor(event.created_at / rollupHourMs) * rollupHourMs
    const key = `${hour}\u0000${team}`
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      bucket = { team_id: team, hour, ...zero() }
      this.buckets.set(key, bucket)
    }
    for (const column of Object.keys(increments) as Array<Counter>) bucket[column] += increments[column]!
  }

  /** The buckets in (team, hour) order: concurrent writers lock rows in the same order. */
  result(): ReadonlyArray<Bucket> {
    return Array.from(this.buckets.values()).sort((a, b) =>
      a.team_id < b.team_id ? -1 : a.team_id > b.team_id ? 1 : a.hour - b.hour
    )
  }
}

export const totalsOf = (row: Record<string, unknown> | undefined): RollupTotals => {
  const n = (column: Counter) => Number(row?.[column] ?? 0)
  return {
    hits: { local: n("hits_local"), remote: n("hits_remote") },
    misses: { local: n("misses_local"), remote: n("misses_remote") },
    time_saved_ms: n("time_saved_ms"),
    uploads: n("uploads"),
    bytes_uploaded: n("bytes_uploaded"),
    downloads: n("downloads"),
    bytes_downloaded: n("bytes_downloaded"),
    rejected: n("rejected")
  }
}
