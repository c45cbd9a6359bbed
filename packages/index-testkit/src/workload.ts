import { rollupHourMs } from "@hoard/core"
import type { ActivityEventData, ActivityEventType, IndexWrite, StoredActivityEvent } from "@hoard/core"
import { eventWrite, goneWrite, makeEvent, randomEventId, storedWrite } from "./helpers.ts"
import type { SeededRandom } from "./helpers.ts"

export interface WorkloadOptions {
  readonly teams: ReadonlyArray<string>
  /** Distinct artifacts per team that the events are about. */
  readonly hashesPerTeam: number
  /** Events to generate (retries not counted). */
  readonly events: number
  /** Start of the first hour (a multiple of an hour). */
  readonly start: number
  readonly hours: number
  readonly maxBatch: number
  /** Share of the writes that are `Stored`/`Gone` reconciliation writes. */
  readonly reconcileRate: number
  /** Chance that a batch is sent again later (its stored events only, as after a lost acknowledgement). */
  readonly retryRate: number
}

/** A random mixed workload: the batches to write, and what they hold, to recount. */
export interface Workload {
  /** In write order, retries included. */
  readonly batches: ReadonlyArray<ReadonlyArray<IndexWrite>>
  /** Each team's stored events (once each, however often they were sent). */
  readonly stored: ReadonlyMap<string, ReadonlyArray<StoredActivityEvent>>
  /** Each team's `store: false` events (never sent twice). */
  readonly unstored: ReadonlyMap<string, ReadonlyArray<StoredActivityEvent>>
  readonly hashes: ReadonlyMap<string, ReadonlyArray<string>>
  /** The first hour's start and the last hour's end: every event is in `[from, to)`. */
  readonly from: number
  readonly to: number
}

const shas = ["1b2c3d4e5f60", "8f2c1d0e9b7a", "0a1b2c3d4e5f"] as const

const weightedTypes: ReadonlyArray<readonly [ActivityEventType, number]> = [
  ["usage.hit", 18],
  ["usage.miss", 8],
  ["artifact.upload_started", 10],
  ["artifact.uploaded", 16],
  ["artifact.upload_failed", 4],
  ["artifact.downloaded", 22],
  ["artifact.missed", 9],
  ["artifact.deleted", 3],
  ["auth.rejected", 5]
]
const totalWeight = weightedTypes.reduce((sum, [, weight]) => sum + weight, 0)

const pickType = (random: SeededRandom): ActivityEventType => {
  let roll = random.next() * totalWeight
  for (const [type, weight] of weightedTypes) {
    roll -= weight
    if (roll < 0) return type
  }
  return "usage.hit"
}

const optional = <K extends string, V>(random: SeededRandom, p: number, key: K, value: () => V) =>
  (random.chance(p) ? { [key]: value() } : {}) as Partial<Record<K, V>>

const dataFor = (random: SeededRandom, type: ActivityEventType, hash: string): ActivityEventData => {
  const size = () => random.int(0, 5_000_000)
  const duration = () => random.int(0, 600_000)
  switch (type) {
    case "usage.hit": {
      const source = random.pick(["LOCAL", "REMOTE", "REMOTE", undefined] as const)
      return {
        ...(source === undefined ? {} : { source }),
        ...optional(random, 0.85, "duration_ms", duration),
        ...optional(random, 0.5, "hash", () => hash),
        session_id: `s-${random.int(0, 9)}`
      }
    }
    case "usage.miss":
      return { source: random.pick(["LOCAL", "REMOTE"] as const), hash, ...optional(random, 0.5, "duration_ms", duration) }
    case "artifact.upload_started":
      return { hash, size: size(), duration_ms: duration(), ...optional(random, 0.7, "sha", () => random.pick(shas)), token_name: "ci" }
    case "artifact.uploaded":
      return {
        hash,
        size: size(),
        duration_ms: duration(),
        ...optional(random, 0.7, "sha", () => random.pick(shas)),
        ...optional(random, 0.3, "dirty_hash", () => `dirty-${random.int(0, 9)}`),
        has_tag: random.chance(0.3),
        ...optional(random, 0.5, "client_ci", () => "github-actions"),
        ...optional(random, 0.8, "token_name", () => random.pick(["ci", "dev"])),
        status: 202
      }
    case "artifact.upload_failed":
      return { hash, ...optional(random, 0.5, "size", size), reason: "client aborted" }
    case "artifact.downloaded":
      return { hash, size: size(), token_name: "ci" }
    case "artifact.missed":
      return { hash, method: "GET" }
    case "artifact.deleted":
      return { hash, token_name: "admin" }
    case "auth.rejected":
      return { status: random.pick([401, 403]), method: "GET", path: `/v8/artifacts/${hash}`, ...optional(random, 0.5, "hash", () => hash) }
    case "purge.requested":
      return { sha: random.pick(shas), purge_id: `purge-${random.int(0, 9)}`, token_name: "admin" }
  }
}

/** Generates a workload from `random` (same seed, same workload; the team ids come from `options`). */
export const makeWorkload = (random: SeededRandom, options: WorkloadOptions): Workload => {
  const hashes = new Map(
    options.teams.map((team) => [
      team,
      Array.from({ length: options.hashesPerTeam }, (_, i) => `${i.toString(16).padStart(4, "0")}${random.int(0, 0xffffffff).toString(16).padStart(12, "0")}`)
    ])
  )
  const stored = new Map(options.teams.map((team) => [team, [] as Array<StoredActivityEvent>]))
  const unstored = new Map(options.teams.map((team) => [team, [] as Array<StoredActivityEvent>]))
  const batches: Array<ReadonlyArray<IndexWrite>> = []
  const span = options.hours * rollupHourMs
  const time = (): number => {
    const t = options.start + random.int(0, span - 1)
    // Some events share a millisecond with others: ties in every ordering.
    return random.chance(0.3) ? t - (t % 60_000) : t
  }
  let pendingRetry: Array<IndexWrite> = []
  let generated = 0
  while (generated < options.events) {
    const batch: Array<IndexWrite> = pendingRetry
    pendingRetry = []
    const size = Math.min(random.int(1, options.maxBatch), options.events - generated)
    for (let i = 0; i < size; i++) {
      const team = random.pick(options.teams)
      const hash = random.pick(hashes.get(team)!)
      if (random.chance(options.reconcileRate)) {
        batch.push(
          random.chance(0.5)
            ? storedWrite(team, hash, {
              size: random.int(0, 5_000_000),
              createdAt: time(),
              metadata: { durationMs: random.int(0, 600_000), ...optional(random, 0.6, "sha", () => random.pick(shas)) }
            })
            : goneWrite(team, hash, time())
        )
        continue
      }
      generated++
      const type = pickType(random)
      const event = makeEvent(type, team, time(), dataFor(random, type, hash), randomEventId())
      // Only events that never touch records go unstored (`store: false` is for e.g. a 401).
      const store = type === "auth.rejected" ? random.chance(0.5) : type.startsWith("usage.") ? random.chance(0.9) : true
      ;(store ? stored : unstored).get(team)!.push(event)
      batch.push(eventWrite(event, store))
    }
    batches.push(batch)
    if (random.chance(options.retryRate)) {
      const again = random.pick(batches).filter((write) => write._tag === "Event" && write.store)
      // Sent again alone, or at the head of the next batch.
      if (random.chance(0.5)) batches.push(again)
      else pendingRetry = [...again]
    }
  }
  if (pendingRetry.length > 0) batches.push(pendingRetry)
  return { batches, stored, unstored, hashes, from: options.start, to: options.start + span }
}
