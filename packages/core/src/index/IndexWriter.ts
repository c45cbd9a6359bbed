/**
 * The one way request handlers change the cache index: they enqueue writes and
 * return at once; one background fiber per replica applies them in batches.
 * The request path never waits on the database.
 *
 * - **Batches**: the writer gathers writes for `batchWindow` (100 ms) after
 *   the first one arrives, or until `maxBatch` (1 000) are queued, and applies
 *   them in one transaction: a transaction costs far more than a row, so a
 *   busy server commits about ten times a second, not once per request. A
 *   `flush` (a management read, shutdown) cuts the window short.
 * - **Bounded memory**: the queue holds at most `capacity` writes; past that
 *   the oldest are dropped, counted in `status.dropped` and logged.
 * - **Index down**: a failed batch is retried with exponential backoff (from
 *   100 ms to `maxRetryDelay`) until it commits; one warning per failure
 *   streak, one info when writes recover. Event ids make a retry idempotent.
 * - **Shutdown**: closing the layer's scope waits (at most `shutdownTimeout`)
 *   until everything queued is applied. A crash loses what is queued: normally
 *   one batch's worth (milliseconds of traffic); while the index is down, up
 *   to `capacity` writes.
 */
import { Cause, Context, Deferred, Duration, Effect, Exit, Layer, Metric, Queue } from "effect"
import type { NewActivityEvent, StoredActivityEvent } from "../activity/ActivityEvent.ts"
import { activityEventsDropped, indexBatchDuration, indexBatches, indexWriteErrors, indexWritesDropped } from "../observability/metrics.ts"
import { CacheIndex, WriteMayYield } from "./CacheIndex.ts"
import type { IndexError, IndexWrite } from "./CacheIndex.ts"
import { makeEnqueueTimes } from "./enqueueTimes.ts"

export interface IndexWriterOptions {
  /** Most writes waiting in memory; the oldest are dropped beyond it. Default 100 000. */
  readonly capacity?: number
  /** Most writes per transaction. Default 1 000. */
  readonly maxBatch?: number
  /** How long the writer gathers writes before a transaction. Default 100 ms. */
  readonly batchWindow?: Duration.Input
  /** Longest wait between two attempts while the index fails. Default 30 seconds. */
  readonly maxRetryDelay?: Duration.Input
  /** How long the final drain at shutdown may take. Default 10 seconds. */
  readonly shutdownTimeout?: Duration.Input
  /** Events recorded with `sampled` that are stored per minute and event type; the rest are only counted. Default 10. */
  readonly samplesPerMinute?: number
}

export interface RecordOptions {
  /**
   * Store only a sample of these events (at most `samplesPerMinute` of each
   * type); every one is still counted in the rollups. For requests any client
   * can send without a token (401s), so they cannot grow the activity record,
   * and for misses, the most common answer, which would otherwise make most
   * of it and cost an insert each.
   */
  readonly sampled?: boolean
}

export interface IndexWriterStatus {
  /** Writes waiting to be applied. */
  readonly queued: number
  /** Writes dropped since start because the queue was full. */
  readonly dropped: number
  /** When the oldest write not yet applied was enqueued (ms since the epoch); none when all are applied. */
  readonly oldestQueuedAt?: number
  /** Set while batches fail: when the streak began (ms since the epoch), attempts, and the last error. */
  readonly failing?: { readonly since: number; readonly attempts: number; readonly message: string }
}

export interface IndexWriterShape {
  /** Queues activity events (giving each its id); never fails and never blocks. */
  readonly record: (events: ReadonlyArray<NewActivityEvent>, options?: RecordOptions) => Effect.Effect<void>
  /** Queues raw writes (reconciliation, imports); never fails and never blocks. */
  readonly enqueue: (writes: ReadonlyArray<IndexWrite>) => Effect.Effect<void>
  /** Waits until every write queued before this call is applied (or dropped). */
  readonly flush: Effect.Effect<void>
  readonly status: Effect.Effect<IndexWriterStatus>
}

export class IndexWriter extends Context.Service<IndexWriter, IndexWriterShape>()("@hoard/core/IndexWriter") {}

const hex = (value: number, digits: number): string => value.toString(16).padStart(digits, "0")

// Random bytes are drawn 6 KiB at a time: one call into the system's random
// source per thousand events instead of one per event.
const randomPool = new Uint8Array(6 * 1024)
let randomOffset = randomPool.length

/** The two hex digits of each byte value. */
const byteHex: ReadonlyArray<string> = Array.from({ length: 256 }, (_, byte) => hex(byte, 2))

/** 12 random hex digits. */
const randomHex12 = (): string => {
  if (randomOffset === randomPool.length) {
    globalThis.crypto.getRandomValues(randomPool)
    randomOffset = 0
  }
  let digits = ""
  for (const end = randomOffset + 6; randomOffset < end; randomOffset++) digits += byteHex[randomPool[randomOffset]!]
  return digits
}

/** A unique event id that sorts by time: 12 hex digits of ms, then 12 random ones. */
export const newEventId = (createdAt: number): string => `${hex(Math.max(0, Math.floor(createdAt)), 12)}${randomHex12()}`

const toStored = (event: NewActivityEvent, now: number): StoredActivityEvent => {
  const createdAt = Number.isFinite(event.created_at) ? Math.floor(event.created_at) : now
  return {
    id: newEventId(createdAt),
    event_type: event.event_type,
    created_at: createdAt,
    ...(event.team_id !== undefined && { team_id: event.team_id }),
    data: event.data
  }
}

const messageOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

interface Waiter {
  readonly target: number
  readonly done: Deferred.Deferred<void>
}

/**
 * How long the oldest write of a batch may have waited for the writer to
 * count as keeping up (`WriteMayYield`): five batch windows.
 */
const keepingUpMs = 500

/** Builds the writer; its fiber and its final drain live in the current scope. */
export const make = Effect.fnUntraced(function*(options: IndexWriterOptions = {}) {
  const index = yield* CacheIndex
  const capacity = options.capacity ?? 100_000
  const maxBatch = options.maxBatch ?? 1_000
  const maxRetryDelayMs = Duration.toMillis(options.maxRetryDelay ?? "30 seconds")
  const shutdownTimeout = options.shutdownTimeout ?? "10 seconds"
  const samplesPerMinute = options.samplesPerMinute ?? 10
  const batchWindow = options.batchWindow ?? "100 millis"
  const queue = yield* Queue.sliding<IndexWrite>(capacity)
  /** Completed by `flush` to cut the current batch window short; replaced for every batch. */
  let hurry = yield* Deferred.make<void>()

  // Counters of writes: every write is enqueued once and then applied or dropped once.
  let enqueued = 0
  let settled = 0
  let dropped = 0
  // Writes are numbered in enqueue order; `dequeued` have left the queue (taken by the writer or dropped).
  let dequeued = 0
  const enqueueTimes = makeEnqueueTimes()
  /** When the oldest write of the batch being applied was enqueued. */
  let batchEnqueuedAt: number | undefined
  let failing: { since: number; attempts: number; message: string } | undefined
  let waiters: Array<Waiter> = []
  let sampleMinute = 0
  /** Samples left this minute, per event type: a flood of misses leaves the 401s' sample alone. */
  const samplesLeft = new Map<string, number>()

  const settle = (count: number): void => {
    settled += count
    if (waiters.length === 0) return
    const ready = waiters.filter((waiter) => waiter.target <= settled)
    waiters = waiters.filter((waiter) => waiter.target > settled)
    for (const waiter of ready) Deferred.doneUnsafe(waiter.done, Effect.void)
  }

  const enqueue: IndexWriterShape["enqueue"] = (writes) =>
    Effect.suspend(() => {
      if (writes.length === 0) return Effect.void
      // Past capacity the oldest writes are dropped to make room (taken here, so the events among them are counted).
      const queued = Queue.sizeUnsafe(queue)
      const overflow = Math.max(0, queued + writes.length - capacity)
      let eventsLost = 0
      for (let n = 0; n < overflow; n++) {
        // More new writes than the whole capacity: the sliding queue drops the first of them.
        const oldest = n < queued ? Queue.takeUnsafe(queue) : Exit.succeed(writes[n - queued]!)
        if (oldest !== undefined && Exit.isSuccess(oldest) && oldest.value._tag === "Event") eventsLost++
      }
      Queue.offerAllUnsafe(queue, writes)
      enqueued += writes.length
      enqueueTimes.mark(enqueued, Date.now())
      if (overflow === 0) return Effect.void
      dequeued += overflow
      enqueueTimes.timeOf(dequeued) // forgets the dropped writes' marks
      dropped += overflow
      settle(overflow)
      return Metric.update(indexWritesDropped, overflow).pipe(
        Effect.andThen(Metric.update(activityEventsDropped, eventsLost)),
        Effect.andThen(Effect.logWarning(`cache index: the write queue is full (${capacity}): dropped the ${overflow} oldest write(s), ${dropped} since start`))
      )
    })

  /** Whether a sampled event of this type may be stored now (at most `samplesPerMinute` per minute and type). */
  const takeSample = (type: string, now: number): boolean => {
    const minute = Math.floor(now / 60_000)
    if (minute !== sampleMinute) {
      sampleMinute = minute
      samplesLeft.clear()
    }
    const left = samplesLeft.get(type) ?? samplesPerMinute
    if (left <= 0) return false
    samplesLeft.set(type, left - 1)
    return true
  }

  const record: IndexWriterShape["record"] = (events, recordOptions) =>
    Effect.suspend(() => {
      const now = Date.now()
      return enqueue(events.map((event): IndexWrite => ({
        _tag: "Event",
        event: toStored(event, now),
        store: recordOptions?.sampled === true ? takeSample(event.event_type, now) : true
      })))
    })

  const flush: IndexWriterShape["flush"] = Effect.suspend(() => {
    if (settled >= enqueued) return Effect.void
    return Effect.flatMap(Deferred.make<void>(), (done) => {
      waiters.push({ target: enqueued, done })
      // After the push: hurrying may run the writer's whole batch before this returns.
      Deferred.doneUnsafe(hurry, Effect.void)
      return Deferred.await(done)
    })
  })

  /** The next batch: waits for a first write, then gathers more for `batchWindow` (or until hurried or full). */
  const nextBatch = Effect.gen(function*() {
    const first = yield* Queue.takeBetween(queue, 1, maxBatch)
    batchEnqueuedAt = enqueueTimes.timeOf(dequeued)
    dequeued += first.length
    if (first.length >= maxBatch) return first
    // Already hurried (a flush came while the previous batch committed): no wait.
    yield* Effect.raceFirst(Effect.sleep(batchWindow), Deferred.await(hurry))
    hurry = yield* Deferred.make<void>()
    const rest = yield* Queue.takeBetween(queue, 0, maxBatch - first.length)
    dequeued += rest.length
    return [...first, ...rest]
  })

  /** Applies one batch, retrying with backoff until it commits. */
  const apply = Effect.fnUntraced(function*(batch: ReadonlyArray<IndexWrite>) {
    const started = performance.now()
    // Keeping up: the batch's oldest write waited less than `keepingUpMs`.
    const mayYield = batchEnqueuedAt === undefined || Date.now() - batchEnqueuedAt < keepingUpMs
    while (true) {
      const exit = yield* Effect.exit(Effect.provideService(index.write(batch), WriteMayYield, mayYield))
      if (exit._tag === "Success") {
        yield* Metric.update(indexBatches, 1)
        yield* Metric.update(indexBatchDuration, (performance.now() - started) / 1000)
        if (failing !== undefined) {
          yield* Effect.logInfo(`cache index: writes recovered after ${failing.attempts} failed attempt(s)`)
          failing = undefined
        }
        return
      }
      yield* Metric.update(indexWriteErrors, 1)
      const message = messageOf(exit.cause as Cause.Cause<IndexError>)
      failing = failing === undefined
        ? { since: Date.now(), attempts: 1, message }
        : { since: failing.since, attempts: failing.attempts + 1, message }
      if (failing.attempts === 1) {
        yield* Effect.logWarning(`cache index: cannot apply ${batch.length} write(s), will retry: ${message}`)
      }
      yield* Effect.sleep(Duration.millis(Math.min(maxRetryDelayMs, 100 * 2 ** Math.min(failing.attempts - 1, 20))))
    }
  })

  yield* Effect.forkScoped(Effect.forever(
    Effect.flatMap(nextBatch, (batch) => Effect.andThen(apply(batch), Effect.sync(() => {
      batchEnqueuedAt = undefined
      settle(batch.length)
    })))
  ))

  // Added after the fork, so it runs first at shutdown: the writer is still there to drain the queue.
  yield* Effect.addFinalizer(() =>
    flush.pipe(
      Effect.timeoutOrElse({
        duration: shutdownTimeout,
        orElse: () =>
          Effect.logError(
            `cache index: ${enqueued - settled} write(s) could not be applied before shutdown and are lost`
          )
      })
    )
  )

  const oldestQueued = (): { oldestQueuedAt?: number } => {
    const at = batchEnqueuedAt ?? (dequeued < enqueued ? enqueueTimes.timeOf(dequeued) : undefined)
    return at === undefined ? {} : { oldestQueuedAt: at }
  }

  const status: IndexWriterShape["status"] = Effect.sync(() => ({
    queued: enqueued - settled,
    dropped,
    ...oldestQueued(),
    ...(failing !== undefined && { failing: { ...failing } })
  }))

  return IndexWriter.of({ record, enqueue, flush, status })
})

/** The writer over the app's `CacheIndex`. */
export const layer = (options?: IndexWriterOptions): Layer.Layer<IndexWriter, never, CacheIndex> =>
  Layer.effect(IndexWriter, make(options))
