import { Context } from "effect"
import type { Effect, Option, Stream } from "effect"
import type { StorageError } from "../storage/ArtifactStorage.ts"
import type { ActivityEvent, ActivityEventType, NewActivityEvent } from "./ActivityEvent.ts"

export interface ActivityQuery {
  readonly teamId?: string
  readonly types?: ReadonlyArray<ActivityEventType>
  /** Inclusive lower bound, ms since the epoch. */
  readonly from?: number
  /** Exclusive upper bound, ms since the epoch. */
  readonly to?: number
}

export interface ActivityPage {
  /** Newest first. */
  readonly events: ReadonlyArray<ActivityEvent>
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  readonly nextCursor?: string
}

import { InvalidCursor } from "../index/CacheIndex.ts"
export { InvalidCursor }

/**
 * The persisted activity record. Writes are buffered and flushed in batches;
 * reads see every replica's flushed events.
 */
export interface ActivityLogShape {
  /** Queues events; never fails and never blocks the request (bounded buffer). */
  readonly record: (events: ReadonlyArray<NewActivityEvent>) => Effect.Effect<void>
  /** Writes what is queued now (also done on a timer and at shutdown). */
  readonly flush: Effect.Effect<void, StorageError>
  /** One page of events, newest first. */
  readonly list: (
    query: ActivityQuery & { readonly cursor?: string; readonly limit: number }
  ) => Effect.Effect<ActivityPage, StorageError | InvalidCursor>
  readonly get: (id: string) => Effect.Effect<Option.Option<ActivityEvent>, StorageError>
  /** Every matching event, in no particular order: for analytics and artifact states. */
  readonly scan: (query: ActivityQuery) => Stream.Stream<ActivityEvent, StorageError>
  /** How the log is doing: what is waiting to be written, what was lost or could not be read. */
  readonly status: Effect.Effect<ActivityLogStatus>
}

/** The health of an activity log, for a status endpoint or an operator. */
export interface ActivityLogStatus {
  /** Events in memory, not yet written to storage. */
  readonly buffered: number
  /** Events dropped since start because the buffer was full (storage down for long). */
  readonly dropped: number
  /** Set while writes fail: when the current failure streak began (ms since the epoch) and its last error. */
  readonly failing?: { readonly since: number; readonly attempts: number; readonly message: string }
  /**
   * Batch objects that could not be read as a batch (corrupt or foreign), most
   * recent last (at most 100 keys); they are skipped by every read.
   */
  readonly corruptBatches: ReadonlyArray<string>
  /** Events skipped because they failed validation inside an otherwise readable batch. */
  readonly invalidEvents: number
}

export class ActivityLog extends Context.Service<ActivityLog, ActivityLogShape>()("@hoard/core/ActivityLog") {}
