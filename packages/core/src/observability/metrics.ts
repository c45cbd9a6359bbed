import { Effect, Metric } from "effect"
import type { Team } from "../access/Team.ts"

/**
 * What the cache does, as Effect metrics (`PrometheusMetrics.format()`
 * renders them beside the request metrics): cache answers and artifact bytes
 * by team, storage operations by backend, the index writer, eviction.
 * Labels come from closed sets, and team labels are bounded (`teamLabel`).
 */

// Labelling copies the attributes into a new metric on every call: each
// label set is made once and reused.
const labelled = <I, S>(metric: Metric.Metric<I, S>) => {
  const cache = new Map<string, Metric.Metric<I, S>>()
  return (attributes: Readonly<Record<string, string>>): Metric.Metric<I, S> => {
    const key = Object.values(attributes).join("\u0000")
    let found = cache.get(key)
    if (found === undefined) {
      found = Metric.withAttributes(metric, attributes)
      cache.set(key, found)
    }
    return found
  }
}

/** Teams beyond this many get the label `other` (an open cache accepts any team name). */
export const maxTeamLabels = 50

const teamLabels = new Set<string>()

/**
 * The `team` label: the team's id (stable when a configured team's slug
 * changes; in an open cache, the name turbo sends), for the first
 * `maxTeamLabels` teams this process sees, then `other`, so a cache open to
 * any team name cannot grow the label set without bound.
 */
export const teamLabel = (teamId: string): string => {
  if (teamLabels.has(teamId)) return teamId
  if (teamLabels.size >= maxTeamLabels) return "other"
  teamLabels.add(teamId)
  return teamId
}

const count = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

const seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

// Cache answers and artifact bytes

const cacheRequests = labelled(count(
  "hoard_cache_requests_total",
  "Artifact lookups answered, by team, operation (get, head, query) and result (hit, miss)"
))

/** Counts `n` lookups of one kind (a batch query counts each hash). */
export const countLookups = (team: Team, operation: "get" | "head" | "query", result: "hit" | "miss", n = 1) =>
  n === 0 ? Effect.void : Metric.update(cacheRequests({ team: teamLabel(team.id), operation, result }), n)

const turboEvents = labelled(count(
  "hoard_turbo_cache_events_total",
  "The usage events turbo reported, by team, source (LOCAL, REMOTE) and event (HIT, MISS)"
))

export const countTurboEvent = (team: Team, source: string, event: string) =>
  Metric.update(turboEvents({ team: teamLabel(team.id), source, event }), 1)

const artifactBytes = labelled(count(
  "hoard_artifact_bytes_total",
  "Artifact bytes stored by uploads (direction in) and served by downloads (out), by team"
))

export const countArtifactBytes = (team: Team, direction: "in" | "out", bytes: number) =>
  Metric.update(artifactBytes({ team: teamLabel(team.id), direction }), bytes)

// Storage

const storageDuration = labelled(Metric.histogram("hoard_storage_operation_duration_seconds", {
  description: "Storage calls, by operation and backend: until the answer (get: until the body may be read; put: until stored)",
  boundaries: seconds
}))

const storageErrors = labelled(count(
  "hoard_storage_operation_errors_total",
  "Storage calls that failed with a StorageError, by operation and backend"
))

export const observeStorageCall = (operation: string, backend: string, durationMs: number, failed: boolean) =>
  Effect.andThen(
    Metric.update(storageDuration({ operation, backend }), durationMs / 1000),
    failed ? Metric.update(storageErrors({ operation, backend }), 1) : Effect.void
  )

// The index writer

export const indexQueueDepth = Metric.gauge("hoard_index_write_queue_depth", {
  description: "Writes waiting for the cache index (activity events, artifact records)"
})

export const indexFailingSeconds = Metric.gauge("hoard_index_write_failing_seconds", {
  description: "How long the cache index has refused writes (0 while it takes them): the writer's lag behind a down index"
})

export const indexBatches = count("hoard_index_write_batches_total", "Batches of writes committed to the cache index")

export const indexBatchDuration = Metric.histogram("hoard_index_write_batch_duration_seconds", {
  description: "Time to commit one batch of writes to the cache index, retries included",
  boundaries: seconds
})

export const indexWriteErrors = count("hoard_index_write_errors_total", "Failed attempts to commit a batch (each is retried)")

export const indexWritesDropped = count(
  "hoard_index_writes_dropped_total",
  "Writes dropped because the queue was full (activity events and records lost; reconciliation repairs records)"
)

// Retention

const evictions = labelled(count(
  "hoard_evictions_total",
  "Artifacts removed by retention, by team and reason (size: a budget, ttl, purge)"
))

const evictedBytes = labelled(count("hoard_evicted_bytes_total", "Bytes removed by retention, by team and reason"))

export const countRemoved = (teamId: string, reason: "size" | "ttl" | "purge", artifacts: number, bytes: number) =>
  Effect.andThen(
    Metric.update(evictions({ team: teamLabel(teamId), reason }), artifacts),
    Metric.update(evictedBytes({ team: teamLabel(teamId), reason }), bytes)
  )
