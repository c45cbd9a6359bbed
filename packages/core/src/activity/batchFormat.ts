/**
 * The on-storage format of the activity record of Hoard 0.1 (before the cache
 * index): batch object keys, event ids and the JSON body. Kept to import those
 * objects into the index once (`importStorageActivity`), and for tests that
 * write such objects by hand.
 *
 * - Batch key (the object's `hash` in the activity namespace): 28 lowercase hex
 *   digits = 12 digits of the batch time in ms since the epoch + 16 random
 *   digits. Keys sort by time; the random part makes every key unique, so no
 *   replica ever overwrites another's object.
 * - Event id: `<batch key>-<index in the batch, 4 hex digits>`, e.g.
 *   `0190f3a2b4c1d3e4f5a6b7c8d9e0f1a2-002a`. Ids of one replica grow with time.
 * - Body: one JSON document `{"format":"hoard-activity/1","offset":n,"events":[...]}`;
 *   event `i` of the array has index `offset + i` (events dropped from the front
 *   of a full buffer keep the ids they were shown with).
 */
import { Exit, Schema } from "effect"
import type { Namespace } from "../domain/Namespace.ts"
import { ActivityEventData, ActivityEventType } from "./ActivityEvent.ts"

/** The storage namespace of the activity record. Team names starting with `_hoard` are refused. */
export const activityNamespace = "_hoard-activity" as Namespace

/** Namespaces starting with this prefix are reserved for Hoard's own objects. */
export const reservedNamespacePrefix = "_hoard"

export const formatVersion = "hoard-activity/1"

/** Largest batch: the index of an event in its batch is 4 hex digits. */
export const maxEventsPerBatch = 0x10000

/** Latest time a 12-hex-digit key prefix can hold (year 10889). */
export const maxTimeMs = 0xffff_ffff_ffff

const hex = (value: number, digits: number): string => value.toString(16).padStart(digits, "0")

const keyPattern = /^[0-9a-f]{28}$/u
const idPattern = /^([0-9a-f]{28})-([0-9a-f]{4})$/u

/** 16 random hex digits. */
export const randomSuffix = (): string => {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (byte) => hex(byte, 2)).join("")
}

/** The key of a batch written at `timeMs`. */
export const batchKey = (timeMs: number, suffix: string = randomSuffix()): string =>
  hex(Math.min(Math.max(0, Math.floor(timeMs)), maxTimeMs), 12) + suffix

export const isBatchKey = (hash: string): boolean => keyPattern.test(hash)

/** The time prefix of a batch key, in ms since the epoch. */
export const batchKeyTime = (key: string): number => Number.parseInt(key.slice(0, 12), 16)

export const eventId = (key: string, index: number): string => `${key}-${hex(index, 4)}`

// --- bodies ----------------------------------------------------------------------

const CreatedAtMs = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(maxTimeMs))

/** One event as stored in a batch: `NewActivityEvent`, validated. */
export const StoredEvent = Schema.Struct({
  event_type: ActivityEventType,
  created_at: CreatedAtMs,
  team_id: Schema.optionalKey(Schema.String),
  data: ActivityEventData
})
export type StoredEvent = typeof StoredEvent.Type

/** The body envelope. Events are decoded one by one: an unknown event (e.g. from a newer version) skips only itself. */
const BatchEnvelope = Schema.Struct({
  format: Schema.Literal(formatVersion),
  offset: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  events: Schema.Array(Schema.Unknown)
})

const decodeEnvelope = Schema.decodeUnknownExit(Schema.fromJsonString(BatchEnvelope))
const decodeStoredEvent = Schema.decodeUnknownExit(StoredEvent)

export const encodeBatchBody = (offset: number, events: ReadonlyArray<StoredEvent>): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ format: formatVersion, offset, events }))

export interface DecodedBatch {
  readonly offset: number
  /** `undefined` where an event failed validation: it is skipped, its index is kept. */
  readonly events: ReadonlyArray<StoredEvent | undefined>
  readonly invalidEvents: number
}

/** Decodes a batch body; a string error when the object is not a batch at all. */
export const decodeBatchBody = (bytes: Uint8Array): DecodedBatch | string => {
  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    return "the body is not UTF-8"
  }
  const envelope = decodeEnvelope(text)
  if (Exit.isFailure(envelope)) return `the body is not a ${formatVersion} batch`
  const { events, offset } = envelope.value
  if (offset + events.length > maxEventsPerBatch) return `the batch holds more than ${maxEventsPerBatch} events`
  let invalidEvents = 0
  const decoded = events.map((event) => {
    const exit = decodeStoredEvent(event)
    if (Exit.isSuccess(exit)) return exit.value
    invalidEvents++
    return undefined
  })
  return { offset, events: decoded, invalidEvents }
}
