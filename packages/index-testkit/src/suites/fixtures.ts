import { assert } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import type { ArtifactStatus, IndexedArtifact, IndexWrite, RollupTotals } from "@hoard/core"
import { Cause, Effect, Exit, Option } from "effect"

export type IndexIt = Vitest.MethodsNonLive<CacheIndex>

export interface SuiteOptions {
  readonly seed: number
  /** Multiplies the sizes of the random workloads. */
  readonly scale: number
  readonly failingWrite: ((teamId: string) => IndexWrite) | undefined
}

export const testTimeout = 60_000
export const slowTestTimeout = 180_000

/** Applies the writes as one batch. */
export const write = (...writes: ReadonlyArray<IndexWrite>) =>
  CacheIndex.use((index) => index.write(writes))

/** Applies each batch in turn. */
export const writeBatches = (batches: ReadonlyArray<ReadonlyArray<IndexWrite>>) =>
  CacheIndex.use((index) => Effect.forEach(batches, (batch) => index.write(batch), { discard: true }))

export const getArtifact = (teamId: string, hash: string, now: number) =>
  CacheIndex.use((index) => index.getArtifact(teamId, hash, now))

/** The record, failing the test when there is none. */
export const recordOf = (teamId: string, hash: string, now: number) =>
  Effect.map(getArtifact(teamId, hash, now), (found) => {
    if (Option.isNone(found)) return assert.fail(`expected a record of ${teamId}/${hash}, found none`)
    return found.value
  })

export const expectNoRecord = (teamId: string, hash: string, now: number, message = "") =>
  Effect.map(getArtifact(teamId, hash, now), (found) => {
    assert.isTrue(
      Option.isNone(found),
      `expected no record of ${teamId}/${hash}${message === "" ? "" : ` (${message})`}, found ${JSON.stringify(Option.getOrUndefined(found))}`
    )
  })

/** Checks the listed fields of the record (and that it exists). */
export const expectRecord = (teamId: string, hash: string, now: number, expected: Partial<IndexedArtifact>, message = "") =>
  Effect.map(recordOf(teamId, hash, now), (record) => {
    const picked = Object.fromEntries(Object.keys(expected).map((key) => [key, record[key as keyof IndexedArtifact]]))
    assert.deepStrictEqual(picked, expected, `record of ${hash}${message === "" ? "" : `: ${message}`}`)
    return record
  })

export const expectStatus = (teamId: string, hash: string, now: number, status: ArtifactStatus, message = "") =>
  expectRecord(teamId, hash, now, { status }, message)

export const analytics = (teamId: string, from: number, to: number) =>
  CacheIndex.use((index) => index.analytics(teamId, from, to))

export const expectTotals = (teamId: string, from: number, to: number, expected: RollupTotals, message = "") =>
  Effect.map(analytics(teamId, from, to), (totals) => {
    assert.deepStrictEqual(totals, expected, `analytics(${from}, ${to})${message === "" ? "" : `: ${message}`}`)
  })

export const usage = (teamId: string) => CacheIndex.use((index) => index.usage(teamId))

export const expectUsage = (teamId: string, bytes: number, count: number, message = "") =>
  Effect.map(usage(teamId), (found) => {
    assert.deepStrictEqual(found, { bytes, count }, `usage${message === "" ? "" : ` ${message}`}`)
  })

/** The typed error an effect failed with; fails the test when it succeeded or died. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure, but the effect succeeded")
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error)) return assert.fail(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

/** Totals with some fields set. */
export const totals = (fields: {
  readonly hitsLocal?: number
  readonly hitsRemote?: number
  readonly missesLocal?: number
  readonly missesRemote?: number
  readonly timeSaved?: number
  readonly uploads?: number
  readonly bytesUploaded?: number
  readonly downloads?: number
  readonly bytesDownloaded?: number
  readonly rejected?: number
}): RollupTotals => ({
  hits: { local: fields.hitsLocal ?? 0, remote: fields.hitsRemote ?? 0 },
  misses: { local: fields.missesLocal ?? 0, remote: fields.missesRemote ?? 0 },
  time_saved_ms: fields.timeSaved ?? 0,
  uploads: fields.uploads ?? 0,
  bytes_uploaded: fields.bytesUploaded ?? 0,
  downloads: fields.downloads ?? 0,
  bytes_downloaded: fields.bytesDownloaded ?? 0,
  rejected: fields.rejected ?? 0
})

/** Hex strings that sort in this order (lowercase hex, one length: every collation agrees). */
export const orderedHashes = (count: number, prefix = ""): Array<string> =>
  Array.from({ length: count }, (_, i) => `${prefix}${i.toString(16).padStart(4, "0")}`.padEnd(16, "0"))
