import type { ActivityEvent } from "./ActivityEvent.ts"

/** Cache effectiveness and traffic over a set of events (one team's, one time window's...). */
export interface ActivitySummary {
  /** `usage.hit` events by `data.source`. */
  readonly hits: { readonly local: number; readonly remote: number }
  /** `usage.miss` events by `data.source`. */
  readonly misses: { readonly local: number; readonly remote: number }
  /** hits / (hits + misses) per source; `null` when there were neither. */
  readonly hit_rate: { readonly local: number | null; readonly remote: number | null }
  /** Sum of `data.duration_ms` of remote hits: task time the remote cache saved. */
  readonly time_saved_ms: number
  /** `artifact.uploaded` events, and the sum of their `data.size`. */
  readonly uploads: number
  readonly bytes_uploaded: number
  /** `artifact.downloaded` events, and the sum of their `data.size`. */
  readonly downloads: number
  readonly bytes_downloaded: number
}

const rate = (hits: number, misses: number): number | null => hits + misses === 0 ? null : hits / (hits + misses)

const amount = (value: number | undefined): number => value !== undefined && Number.isFinite(value) ? value : 0

/** Summarizes events in one pass. `usage.*` events without a `data.source` count for neither source. */
export const summarizeActivity = (events: Iterable<ActivityEvent>): ActivitySummary => {
  let localHits = 0
  let remoteHits = 0
  let localMisses = 0
  let remoteMisses = 0
  let timeSaved = 0
  let uploads = 0
  let bytesUploaded = 0
  let downloads = 0
  let bytesDownloaded = 0
  for (const { data, event_type } of events) {
    switch (event_type) {
      case "usage.hit":
        if (data.source === "LOCAL") localHits++
        else if (data.source === "REMOTE") {
          remoteHits++
          timeSaved += amount(data.duration_ms)
        }
        break
      case "usage.miss":
        if (data.source === "LOCAL") localMisses++
        else if (data.source === "REMOTE") remoteMisses++
        break
      case "artifact.uploaded":
        uploads++
        bytesUploaded += amount(data.size)
        break
      case "artifact.downloaded":
        downloads++
        bytesDownloaded += amount(data.size)
        break
      default:
        break
    }
  }
  return {
    hits: { local: localHits, remote: remoteHits },
    misses: { local: localMisses, remote: remoteMisses },
    hit_rate: { local: rate(localHits, localMisses), remote: rate(remoteHits, remoteMisses) },
    time_saved_ms: timeSaved,
    uploads,
    downloads,
    bytes_uploaded: bytesUploaded,
    bytes_downloaded: bytesDownloaded
  }
}
