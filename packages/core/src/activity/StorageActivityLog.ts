/**
 * The activity record, persisted through `ArtifactStorage` itself, so every
 * storage backend has it without code of its own.
 *
 * **Writes.** `record` appends to a bounded in-memory buffer and returns at once.
 * A background fiber (scoped to the layer) writes what is buffered every
 * `flushInterval` as ONE new object per batch (at most `maxBatchEvents` events)
 * in the reserved namespace {@link activityNamespace}. Keys are time-ordered and
 * unique (see `batchFormat.ts`), objects are never overwritten or appended to:
 * replicas writing at once never lose each other's events.
 *
 * **Durability.** Events survive a graceful stop: closing the layer's scope
 * writes what is buffered (bounded by `shutdownTimeout`). Events still in
 * memory when the process crashes are lost: at most `flushInterval` worth in
 * normal operation, more while storage is failing.
 *
 * **Storage failures.** A failed write keeps the events; the next attempt
 * backs off (doubling from `flushInterval` up to `maxRetryDelay`). One warning
 * is logged per failure streak, and one info when writes recover; `status`
 * shows the streak. If the buffer fills (`bufferCapacity` events) the oldest
 * events are dropped: bounded memory wins over completeness. Drops are counted
 * in `status.dropped` and logged (one warning per flush attempt with the count).
 *
 * **Reads** always list storage (other replicas' batches) and add this
 * replica's buffer (an event is visible locally as soon as `record` returns, with
 * the id it keeps once written: reading seals the open batch and gives its
 * events their final ids). Parsed batches are cached (LRU, bounded by events):
 * objects are immutable. The `from` bound narrows the listing to a key prefix,
 * and each object's tag (the range of `created_at` it holds) lets reads skip
 * objects outside the window or behind the cursor without fetching them.
 *
 * **Corrupt objects** (unreadable body, not a batch, foreign object with a batch
 * key) are skipped by every read, logged once as a warning with their key and
 * listed in `status.corruptBatches`; they are never deleted. A single invalid
 * event inside a readable batch (e.g. an event type from a newer version) skips
 * only itself and is counted in `status.invalidEvents`. Objects in the
 * namespace whose hash is not a batch key are ignored.
 *
 * **Cost.** Every read lists the namespace (on S3 each listed object costs a
 * HEAD). There is no compaction or retention yet: the number of objects grows by
 * at most one per replica per `flushInterval` while events arrive.
 */
import { Cause, Clock, Duration, Effect, Exit, Layer, Option, Schema, Semaphore, Stream } from "effect"
import type { ArtifactHash } from "../domain/ArtifactHash.ts"
import type { Namespace } from "../domain/Namespace.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import type { StorageError } from "../storage/ArtifactStorage.ts"
import type { ActivityEvent, NewActivityEvent } from "./ActivityEvent.ts"
import { ActivityLog, InvalidCursor } from "./ActivityLog.ts"
import type { ActivityLogShape, ActivityLogStatus, ActivityQuery } from "./ActivityLog.ts"
import {
  activityNamespace,
  batchKey,
  batchKeyTime,
  decodeBatchBody,
  decodeCursor,
  encodeBatchBody,
  encodeCursor,
  formatTag,
  isBatchKey,
  StoredEvent,
  listPrefixFrom,
  maxEventsPerBatch,
  maxTimeMs,
  parseEventId,
  parseTag,
  toActivityEvent
} from "./batchFormat.ts"
import type { BatchSummary, CursorPosition } from "./batchFormat.ts"

export { activityNamespace, reservedNamespacePrefix } from "./batchFormat.ts"

export interface StorageActivityLogOptions {
  /** The storage namespace; default {@link activityNamespace}. Tests use their own. */
  readonly namespace?: string
  /** How often buffered events are written; default 1 second. */
  readonly flushInterval?: Duration.Input
  /** Most events per batch object; default 5000, at most 65536. */
  readonly maxBatchEvents?: number
  /** Most events held in memory; the oldest are dropped beyond it. Default 50 000. */
  readonly bufferCapacity?: number
  /** Most parsed events kept in the read cache; default 100 000. */
  readonly cacheEvents?: number
  /** How long the final write at shutdown may take; default 10 seconds. */
  readonly shutdownTimeout?: Duration.Input
  /** Longest wait between two attempts while storage fails; default 30 seconds. */
  readonly maxRetryDelay?: Duration.Input
}

/** How far ahead of this replica's clock another replica's clock may be for `from` reads to see its batches. */
const clockSkewAllowanceMs = 24 * 60 * 60 * 1000
/** Batch objects fetched at once by a read. */
const readConcurrency = 4
/** Batch objects written at once by a flush. */
const writeConcurrency = 4
/** Corrupt keys remembered (not fetched or logged again). */
const corruptMemory = 1000

const decodeStoredEvent = Schema.decodeUnknownExit(StoredEvent)

/** A sealed batch waiting to be written: its key, hence its events' ids, is final. */
interface PendingBatch {
  readonly key: string
  /** Index of `events[0]`: events dropped from the front keep the others' ids. */
  offset: number
  readonly events: Array<StoredEvent>
}

/** An event with its time in ms, for sorting. */
interface Entry {
  readonly ms: number
  readonly event: ActivityEvent
}

/** A parsed batch: `entries[index - offset]`, `undefined` for an invalid event. */
interface ReadBatch {
  readonly key: string
  readonly offset: number
  readonly entries: ReadonlyArray<Entry | undefined>
}

/** A batch a read may need: from the listing or this replica's buffer. */
interface Candidate {
  readonly key: string
  /** Oldest event, when known (from the tag). */
  readonly min: number | undefined
  /** Newest event: the tag's, else the key time (a batch is keyed at or after its newest event). */
  readonly max: number
  readonly pending?: PendingBatch
}

const summarize = (events: ReadonlyArray<StoredEvent>): BatchSummary => {
  let min = Infinity
  let max = -Infinity
  for (const event of events) {
    if (event.created_at < min) min = event.created_at
    if (event.created_at > max) max = event.created_at
  }
  return { count: events.length, min, max }
}

const readBatchOf = (key: string, offset: number, events: ReadonlyArray<StoredEvent | undefined>): ReadBatch => ({
  key,
  offset,
  entries: events.map((event, i) =>
    event === undefined ? undefined : { ms: event.created_at, event: toActivityEvent(key, offset + i, event) }
  )
})

/** Newest first: `created_at` descending, then id descending. */
const newestFirst = (a: Entry, b: Entry): number =>
  b.ms - a.ms || (a.event.id < b.event.id ? 1 : a.event.id > b.event.id ? -1 : 0)

const matcher = (query: ActivityQuery, cursor: CursorPosition | undefined) => {
  const types = query.types === undefined ? undefined : new Set<string>(query.types)
  return (entry: Entry): boolean =>
    (query.teamId === undefined || entry.event.team_id === query.teamId) &&
    (types === undefined || types.has(entry.event.event_type)) &&
    (query.from === undefined || entry.ms >= query.from) &&
    (query.to === undefined || entry.ms < query.to) &&
    (cursor === undefined || entry.ms < cursor.createdAt || (entry.ms === cursor.createdAt && entry.event.id < cursor.id))
}

/** Whether a batch can hold events in the query's window and behind the cursor. */
const mayMatch = (query: ActivityQuery, cursor: CursorPosition | undefined) => (candidate: Candidate): boolean =>
  !(query.from !== undefined && candidate.max < query.from) &&
  !(query.to !== undefined && candidate.min !== undefined && candidate.min >= query.to) &&
  !(cursor !== undefined && candidate.min !== undefined && candidate.min > cursor.createdAt)

/** An LRU of parsed batches, bounded by their number of events. */
class BatchCache {
  private readonly batches = new Map<string, ReadBatch>()
  private events = 0
  private readonly capacity: number

  constructor(capacity: number) {
    this.capacity = capacity
  }

  get(key: string): ReadBatch | undefined {
    const batch = this.batches.get(key)
    if (batch !== undefined) {
      this.batches.delete(key)
      this.batches.set(key, batch)
    }
    return batch
  }

  set(batch: ReadBatch): void {
    const size = Math.max(1, batch.entries.length)
    if (size > this.capacity || this.batches.has(batch.key)) return
    for (const [key, oldest] of this.batches) {
      if (this.events + size <= this.capacity) break
      this.batches.delete(key)
      this.events -= Math.max(1, oldest.entries.length)
    }
    this.batches.set(batch.key, batch)
    this.events += size
  }
}

const positiveInt = (name: string, value: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`StorageActivityLog ${name} must be an integer from 1 to ${max}, got ${value}`)
  }
  return value
}

const messageOf = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause && typeof cause.message === "string"
    ? cause.message
    : String(cause)

/** Builds the log; its background writer and final flush live in the current scope. */
export const make = Effect.fnUntraced(function*(options: StorageActivityLogOptions = {}) {
  const storage = yield* ArtifactStorage
  const namespace = (options.namespace ?? activityNamespace) as Namespace
  const flushIntervalMs = Math.max(1, Duration.toMillis(options.flushInterval ?? "1 second"))
  const maxBatchEvents = positiveInt("maxBatchEvents", options.maxBatchEvents ?? 5000, maxEventsPerBatch)
  const bufferCapacity = positiveInt("bufferCapacity", options.bufferCapacity ?? 50_000)
  const cache = new BatchCache(positiveInt("cacheEvents", options.cacheEvents ?? 100_000))
  const shutdownTimeout = options.shutdownTimeout ?? "10 seconds"
  const maxRetryDelayMs = Math.max(flushIntervalMs, Duration.toMillis(options.maxRetryDelay ?? "30 seconds"))

  // --- state (plain JS: every mutation happens inside one synchronous step) ---
  /** Recorded events without a batch yet. */
  let open: Array<StoredEvent> = []
  /** Sealed batches not yet written, oldest first. */
  const pending: Array<PendingBatch> = []
  let buffered = 0
  let lastKeyTime = 0
  let dropped = 0
  let droppedUnreported = 0
  let failing: { since: number; attempts: number; message: string } | undefined
  const corrupt = new Set<string>()
  let invalidEvents = 0
  const writing = yield* Semaphore.make(1)

  /** Gives the open events their batches (and so their final ids). */
  const sealOpen = (now: number): void => {
    while (open.length > 0) {
      const events = open.length <= maxBatchEvents ? open : open.slice(0, maxBatchEvents)
      open = open.length <= maxBatchEvents ? [] : open.slice(maxBatchEvents)
      const time = Math.min(maxTimeMs, Math.max(now, summarize(events).max, lastKeyTime + 1))
      lastKeyTime = time
      pending.push({ key: batchKey(time), offset: 0, events })
    }
  }

  const dropOldest = (): void => {
    let excess = buffered - bufferCapacity
    while (excess > 0) {
      const first = pending[0]
      const from = first === undefined ? open : first.events
      const n = Math.min(excess, from.length)
      from.splice(0, n)
      if (first !== undefined) {
        first.offset += n
        if (first.events.length === 0) pending.shift()
      }
      buffered -= n
      excess -= n
      dropped += n
      droppedUnreported += n
    }
  }

  const removePending = (batch: PendingBatch): void => {
    const index = pending.indexOf(batch)
    if (index < 0) return
    pending.splice(index, 1)
    buffered -= batch.events.length
  }

  const record: ActivityLogShape["record"] = (events) =>
    events.length === 0 ? Effect.void : Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.suspend(() => {
        let invalid = 0
        for (const event of events) {
          // Decoded, not just checked: what readers see is exactly what is written.
          const stored = decodeStoredEvent(toStored(event, now))
          if (Exit.isFailure(stored)) {
            invalid++
            continue
          }
          open.push(stored.value)
          buffered++
          if (open.length >= maxBatchEvents) sealOpen(now)
        }
        if (buffered > bufferCapacity) dropOldest()
        return invalid === 0 ? Effect.void : Effect.logWarning(`activity log: ${invalid} invalid event(s) not recorded`)
      }))

  const writeBatch = (batch: PendingBatch): Effect.Effect<void, StorageError> =>
    Effect.suspend(() => {
      const events = batch.events.slice()
      const offset = batch.offset
      if (events.length === 0) return Effect.sync(() => removePending(batch))
      const body = encodeBatchBody(offset, events)
      return storage.put({ namespace, hash: batch.key as ArtifactHash }, Stream.make(body), {
        size: body.byteLength,
        metadata: { durationMs: 0, tag: formatTag(summarize(events)) }
      }).pipe(Effect.andThen(Effect.sync(() => {
        removePending(batch)
        cache.set(readBatchOf(batch.key, offset, events))
      })))
    })

  const flush: ActivityLogShape["flush"] = writing.withPermit(
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.suspend(() => {
        sealOpen(now)
        return Effect.forEach(pending.slice(), writeBatch, { concurrency: writeConcurrency, discard: true })
      }))
  )

  const reportDrops = Effect.suspend(() => {
    if (droppedUnreported === 0) return Effect.void
    const count = droppedUnreported
    droppedUnreported = 0
    return Effect.logWarning(
      `activity log: the buffer is full (${bufferCapacity} events): dropped the ${count} oldest event(s) (${dropped} since start)`
    )
  })

  /** Flushes every `flushInterval` while there is something to write; backs off while storage fails. */
  const writer = Effect.gen(function*() {
    let delayMs = flushIntervalMs
    while (true) {
      yield* Effect.sleep(Duration.millis(delayMs))
      yield* reportDrops
      if (buffered === 0) {
        delayMs = flushIntervalMs
        continue
      }
      const exit = yield* Effect.exit(flush)
      const now = yield* Clock.currentTimeMillis
      if (exit._tag === "Success") {
        if (failing !== undefined) {
          yield* Effect.logInfo(`activity log: writes recovered after ${failing.attempts} failed attempt(s)`)
          failing = undefined
        }
        delayMs = flushIntervalMs
      } else {
        const message = messageOf(Cause.squash(exit.cause))
        failing = failing === undefined
          ? { since: now, attempts: 1, message }
          : { since: failing.since, attempts: failing.attempts + 1, message }
        if (failing.attempts === 1) {
          yield* Effect.logWarning(`activity log: cannot write ${buffered} event(s), will retry`, exit.cause)
        }
        delayMs = Math.min(maxRetryDelayMs, flushIntervalMs * 2 ** Math.min(failing.attempts, 30))
      }
    }
  })

  // Registered before the writer is forked: the writer is interrupted first, then this runs.
  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      if (buffered === 0) return
      const result = yield* Effect.interruptible(flush).pipe(Effect.timeoutOption(shutdownTimeout), Effect.exit)
      if (result._tag === "Success" && Option.isSome(result.value)) return
      yield* Effect.logError(
        result._tag === "Failure"
          ? `activity log: final write failed: ${buffered} event(s) lost`
          : `activity log: final write timed out after ${Duration.toMillis(shutdownTimeout)} ms: ${buffered} event(s) lost`,
        ...(result._tag === "Failure" ? [result.cause] : [])
      )
    })
  )
  yield* Effect.forkScoped(writer)

  // --- reads ---

  const markCorrupt = (key: string, reason: string): Effect.Effect<undefined> =>
    Effect.suspend(() => {
      if (corrupt.has(key)) return Effect.succeed(undefined)
      corrupt.add(key)
      if (corrupt.size > corruptMemory) corrupt.delete(corrupt.values().next().value!)
      return Effect.as(
        Effect.logWarning(`activity log: skipping corrupt batch object ${namespace}/${key}: ${reason}`),
        undefined
      )
    })

  /** A written batch, from the cache or storage; `undefined` when it is gone or corrupt. */
  const loadStored = (key: string): Effect.Effect<ReadBatch | undefined, StorageError> =>
    Effect.suspend(() => {
      const cached = cache.get(key)
      if (cached !== undefined) return Effect.succeed(cached)
      if (corrupt.has(key)) return Effect.succeed(undefined)
      return Effect.flatMap(storage.get({ namespace, hash: key as ArtifactHash }), (found) => {
        if (Option.isNone(found)) return Effect.succeed(undefined)
        return Effect.flatMap(collectBytes(found.value.body), (bytes) => {
          const decoded = decodeBatchBody(bytes)
          if (typeof decoded === "string") return markCorrupt(key, decoded)
          const batch = readBatchOf(key, decoded.offset, decoded.events)
          cache.set(batch)
          if (decoded.invalidEvents === 0) return Effect.succeed(batch)
          invalidEvents += decoded.invalidEvents
          return Effect.as(
            Effect.logWarning(
              `activity log: skipping ${decoded.invalidEvents} invalid event(s) in batch object ${namespace}/${key}`
            ),
            batch
          )
        })
      })
    })

  const load = (candidate: Candidate): Effect.Effect<ReadBatch | undefined, StorageError> =>
    candidate.pending === undefined
      ? loadStored(candidate.key)
      : Effect.sync(() => readBatchOf(candidate.key, candidate.pending!.offset, candidate.pending!.events))

  /** Every batch that may hold events at or after `from`: the listing plus this replica's unwritten batches. */
  const candidates = (from: number | undefined): Effect.Effect<Array<Candidate>, StorageError> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      sealOpen(now)
      // Taken before listing: a batch written meanwhile is then in the listing, or still here.
      const local = pending.slice()
      const listed = yield* Stream.runCollect(
        storage.list({ namespace, hashPrefix: listPrefixFrom(from, now + clockSkewAllowanceMs) })
      )
      const byKey = new Map<string, Candidate>()
      for (const batch of local) {
        if (batch.events.length === 0) continue
        const { max, min } = summarize(batch.events)
        byKey.set(batch.key, { key: batch.key, min, max, pending: batch })
      }
      for (const { info, key } of listed) {
        if (!isBatchKey(key.hash)) continue
        const summary = parseTag(info.metadata.tag)
        // The written object wins over the same batch still in memory: it is the one other replicas read.
        byKey.set(key.hash, { key: key.hash, min: summary?.min, max: summary?.max ?? batchKeyTime(key.hash) })
      }
      return Array.from(byKey.values())
    })

  const list: ActivityLogShape["list"] = (query) =>
    Effect.gen(function*() {
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
      if (query.cursor !== undefined && cursor === undefined) {
        return yield* new InvalidCursor({ message: "the cursor is not one this server handed out" })
      }
      const limit = Math.max(1, Math.floor(Number.isFinite(query.limit) ? query.limit : 1))
      const batches = (yield* candidates(query.from))
        .filter(mayMatch(query, cursor))
        .sort((a, b) => b.max - a.max || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0))
      const matches = matcher(query, cursor)
      const found: Array<Entry> = []
      for (let start = 0; start < batches.length; start += readConcurrency) {
        const loaded = yield* Effect.forEach(batches.slice(start, start + readConcurrency), load, {
          concurrency: readConcurrency
        })
        for (const batch of loaded) {
          for (const entry of batch?.entries ?? []) if (entry !== undefined && matches(entry)) found.push(entry)
        }
        // Every batch not loaded yet holds only events at or before `next.max`: once more
        // than `limit` found events are newer than that, the page (and whether there is
        // a next one) is settled.
        const next = batches[start + readConcurrency]
        if (next !== undefined && found.length > limit && found.filter((entry) => entry.ms > next.max).length > limit) {
          break
        }
      }
      found.sort(newestFirst)
      const page = found.slice(0, limit)
      const last = page[page.length - 1]
      return {
        events: page.map((entry) => entry.event),
        ...(found.length > limit && last !== undefined
          ? { nextCursor: encodeCursor({ createdAt: last.ms, id: last.event.id }) }
          : {})
      }
    })

  const get: ActivityLogShape["get"] = (id) =>
    Effect.suspend(() => {
      const parsed = parseEventId(id)
      if (parsed === undefined) return Effect.succeedNone
      const batch = pending.find((candidate) => candidate.key === parsed.key)
      if (batch !== undefined) {
        const event = batch.events[parsed.index - batch.offset]
        return Effect.succeed(
          event === undefined ? Option.none() : Option.some(toActivityEvent(batch.key, parsed.index, event))
        )
      }
      return Effect.map(loadStored(parsed.key), (read) =>
        Option.fromUndefinedOr(read?.entries[parsed.index - read.offset]?.event))
    })

  const scan: ActivityLogShape["scan"] = (query) =>
    Stream.unwrap(Effect.map(candidates(query.from), (batches) => {
      const matches = matcher(query, undefined)
      return Stream.fromIterable(batches.filter(mayMatch(query, undefined))).pipe(
        Stream.mapEffect((candidate) =>
          Effect.map(load(candidate), (batch) =>
            (batch?.entries ?? []).flatMap((entry) =>
              entry !== undefined && matches(entry) ? [entry.event] : []
            )), { concurrency: readConcurrency }),
        Stream.flattenIterable
      )
    }))

  const status: ActivityLogShape["status"] = Effect.sync((): ActivityLogStatus => ({
    buffered,
    dropped,
    ...(failing === undefined ? {} : { failing: { ...failing } }),
    corruptBatches: Array.from(corrupt).slice(-100),
    invalidEvents
  }))

  return ActivityLog.of({ record, flush, list, get, scan, status })
})

/** The stored form of a new event; `created_at` falls back to now when it is not a time. */
const toStored = (event: NewActivityEvent, now: number): StoredEvent => {
  const createdAt = Number.isFinite(event.created_at) ? Math.floor(event.created_at) : now
  return {
    event_type: event.event_type,
    created_at: createdAt,
    ...(event.team_id === undefined ? {} : { team_id: event.team_id }),
    data: event.data
  }
}

const collectBytes = <E>(body: Stream.Stream<Uint8Array, E>): Effect.Effect<Uint8Array, E> =>
  Effect.map(Stream.runCollect(body), (chunks) => {
    if (chunks.length === 1) return chunks[0]!
    const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0))
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.byteLength
    }
    return bytes
  })

/** The activity log over the app's `ArtifactStorage`. */
export const layer = (options?: StorageActivityLogOptions): Layer.Layer<ActivityLog, never, ArtifactStorage> =>
  Layer.effect(ActivityLog, make(options))
