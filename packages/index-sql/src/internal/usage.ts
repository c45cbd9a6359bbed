/**
 * Usage deltas of a batch, summed per team so the index applies one upsert
 * per `team_usage` row: what records add or no longer add to bytes and count,
 * and what eviction removed.
 */
import type { Usage } from "@hoard/core"

/** The counters of `team_usage` a batch adds to. */
export const usageColumns = ["bytes", "count", "evicted_count", "evicted_bytes"] as const

export type UsageDelta = { team_id: string } & Record<typeof usageColumns[number], number>

/** Usage deltas summed per team. */
export class UsageDeltas {
  private readonly teams = new Map<string, UsageDelta>()

  private of(teamId: string): UsageDelta {
    let delta = this.teams.get(teamId)
    if (delta === undefined) {
      delta = { team_id: teamId, bytes: 0, count: 0, evicted_count: 0, evicted_bytes: 0 }
      this.teams.set(teamId, delta)
    }
    return delta
  }

  /** A record's contribution changed from `was` to `is`. */
  moved(teamId: string, was: Usage, is: Usage): void {
    if (was.bytes === is.bytes && was.count === is.count) return
    const delta = this.of(teamId)
    delta.bytes += is.bytes - was.bytes
    delta.count += is.count - was.count
  }

  evicted(teamId: string, bytes: number): void {
    const delta = this.of(teamId)
    delta.evicted_count += 1
    delta.evicted_bytes += bytes
  }

  /** The non-zero deltas in team order: concurrent writers lock the rows in the same order. */
  result(): ReadonlyArray<UsageDelta> {
    return Array.from(this.teams.values())
      .filter((delta) => usageColumns.some((column) => delta[column] !== 0))
      .sort((a, b) => (a.team_id < b.team_id ? -1 : a.team_id > b.team_id ? 1 : 0))
  }
}
