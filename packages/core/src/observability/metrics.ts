import { Effect, Metric, Stream } from "effect"
import type { Context } from "effect"
import { labelled, labelledCounter, labelledHistogram } from "./labelled.ts"

/**
 * What the cache does, as Effect metrics (`PrometheusMetrics.format()`
 * renders them beside the request metrics): cache answers and artifact bytes
 * by team, storage operations by backend, the index writer, eviction.
 * Labels come from closed sets; team labels are bounded (`TeamLabels`), and
 * the functions below take the label, not the team.
 */

const count = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

const seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

// Cache answers and artifact bytes

const cacheRequests = labelledCounter(
  "hoard_cache_requests_total",
  "Artifact lookups answered, by team, operation (get, head, query) and result (hit, miss)"
)

/** Counts `n` lookups of one kind (a batch query counts each hash). */
export const countLookups = (team: string, operation: "get" | "head" | "query", result: "hit" | "miss", n = 1) =>
  n === 0 ? Effect.void : Metric.update(cacheRequests({ team, operation, result }), n)

const turboEvents = labelledCounter(
  "hoard_turbo_cache_events_total",
  "The usage events turbo reported, by team, source (LOCAL, REMOTE) and event (HIT, MISS)"
)

export const countTurboEvent = (team: string, source: "LOCAL" | "REMOTE", event: "HIT" | "MISS") =>
  Metric.update(turboEvents({ team, source, event }), 1)

const artifactBytes = labelledCounter(
  "hoard_artifact_bytes_total",
  "Artifact bytes stored by uploads (direction in) and sent by downloads (out, as they flow: an aborted download counts what was sent), by team"
)

export const countArtifactBytes = (team: string, direction: "in" | "out", bytes: number) =>
  bytes === 0 ? Effect.void : Metric.update(artifactBytes({ team, direction }), bytes)

/** The stream, its bytes added to `hoard_artifact_bytes_total` once it ends (completed, failed or interrupted). */
export const countFlowingBytes = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  team: string,
  direction: "in" | "out"
): Stream.Stream<Uint8Array, E, R> =>
  Stream.suspend(() => {
    let bytes = 0
    return stream.pipe(
      Stream.map((chunk) => {
        bytes += chunk.byteLength
        return chunk
      }),
      Stream.ensuring(Effect.suspend(() => countArtifactBytes(team, direction, bytes)))
    )
  })

// Storage

const storageDuration = labelledHistogram(
  "hoard_storage_operation_duration_seconds",
  "Storage calls, by operation and backend: until the answer (get: until the body may be read; put: until stored)",
  seconds
)

const storageErrors = labelledCounter(
  "hoard_storage_operation_errors_total",
  "Storage calls that failed with a StorageError, by operation and backend"
)

export const countStorageError = (operation: string, backend: string) =>
  Metric.update(storageErrors({ operation, backend }), 1)

/**
 * Records one storage call of `operation` at once (no effect to run): storage
 * calls are on every request, and this runs as the call's exit hook.
 */
export const storageCallRecorder = (operation: string, backend: string) => {
  const duration = storageDuration({ operation, backend })
  const errors = storageErrors({ operation, backend })
  return (durationMs: number, failed: boolean, context: Context.Context<never>): void => {
    duration.updateUnsafe(durationMs / 1000, context)
    if (failed) errors.updateUnsafe(1, context)
  }
}

// The index writer

export const indexQueueDepth = Metric.gauge("hoard_index_write_queue_depth", {
  description: "Writes waiting for the cache index (activity events, artifact records)"
})

export const indexWriteLag = Metric.gauge("hoard_index_write_lag_seconds", {
  description: "Age of the oldest write not yet committed to the cache index (0 when none): grows while the index is down or slow"
})

export const indexBatches = count("hoard_index_write_batches_total", "Batches of writes committed to the cache index")

export const indexBatchDuration = Metric.histogram("hoard_index_write_batch_duration_seconds", {
  description: "Time to commit one batch of writes to the cache index, retries included",
  boundaries: seconds
})

export const indexWriteErrors = count("hoard_index_write_errors_total", "Failed attempts to commit a batch (each is retried)")

export const indexWritesDropped = count(
  "hoard_index_writes_dropped_total",
  "Writes to the cache index dropped because the writer's queue was full (activity events and records; reconciliation repairs records)"
)

export const activityEventsDropped = count(
  "hoard_activity_events_dropped_total",
  "Activity events lost because the index writer's queue was full (also counted in hoard_index_writes_dropped_total)"
)

// Retention

const evictions = labelledCounter(
  "hoard_evictions_total",
  "Artifacts removed by retention, by team and reason (size: a budget, ttl, purge)"
)

const evictedBytes = labelledCounter("hoard_evicted_bytes_total", "Bytes removed by retention, by team and reason")

export const countRemoved = (team: string, reason: "size" | "ttl" | "purge", artifacts: number, bytes: number) =>
  Effect.andThen(
    Metric.update(evictions({ team, reason }), artifacts),
    Metric.update(evictedBytes({ team, reason }), bytes)
  )

// What the evictor reads anyway before each round, for the budgets it enforces.

const teamStored = labelled((attributes) =>
  Metric.gauge("hoard_storage_bytes", {
    description: "Bytes a team stores, for teams with a size budget (read by the evictor each round)",
    attributes
  })
)
const teamBudget = labelled((attributes) =>
  Metric.gauge("hoard_storage_budget_bytes", { description: "A team's size budget (maxSize)", attributes })
)
const cacheStored = Metric.gauge("hoard_cache_storage_bytes", {
  description: "Bytes the whole cache stores, when it has a size budget (read by the evictor each round)"
})
const cacheBudget = Metric.gauge("hoard_cache_storage_budget_bytes", { description: "The whole cache's size budget (maxSize)" })

/** `team` undefined: the whole cache. */
export const reportStored = (team: string | undefined, bytes: number, budget: number) =>
  team === undefined
    ? Effect.andThen(Metric.update(cacheStored, bytes), Metric.update(cacheBudget, budget))
    : Effect.andThen(Metric.update(teamStored({ team }), bytes), Metric.update(teamBudget({ team }), budget))
