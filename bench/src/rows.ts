import { runAutocannonLoad } from "./autocannonLoad.ts"
import type { ChildServer } from "./childServer.ts"
import { runHeadMissLoad } from "./headMissLoad.ts"
import type { LoadResult } from "./loadResult.ts"
import { artifactPath, hashOf } from "./protocol.ts"
import { runTransferLoad } from "./transferLoad.ts"
import { KiB, MiB, sizeId, sizeLabel } from "./units.ts"

/** One line of the throughput table: a request type, an artifact size and a concurrency. */
export interface ThroughputRow {
  readonly id: string
  readonly label: string
  readonly kind: "get" | "put" | "get-miss" | "head-miss"
  readonly size: number
  readonly concurrency: number
}

export const artifactSizes: ReadonlyArray<number> = [KiB, MiB, 50 * MiB]
const concurrencies = [1, 16] as const
/** Connections of the miss rows: turbo's first request for every task is a GET (or HEAD) that misses. */
const missConnections = 64

export const throughputRows: ReadonlyArray<ThroughputRow> = [
  ...(["get", "put"] as const).flatMap((kind) =>
    artifactSizes.flatMap((size) =>
      concurrencies.map((concurrency): ThroughputRow => ({
        id: `${kind}-${sizeId(size)}-c${concurrency}`,
        label: `${kind.toUpperCase()} ${sizeLabel(size)}, c=${concurrency}`,
        kind,
        size,
        concurrency
      }))
    )
  ),
  ...(["get-miss", "head-miss"] as const).map((kind): ThroughputRow => ({
    id: `${kind}-c${missConnections}`,
    label: `${kind === "get-miss" ? "GET" : "HEAD"} miss, c=${missConnections}`,
    kind,
    size: 0,
    concurrency: missConnections
  }))
]

/** Requests at or below this size go through autocannon; bigger ones through the transfer client. */
const autocannonMaxSize = 64 * KiB

/** How many distinct artifacts GET rows read (pre-populated): fewer for big ones. */
export const downloadSetSize = (size: number): number => (size >= 16 * MiB ? 4 : 16)

/** The hash of the i-th pre-populated artifact of a size. */
export const downloadHash = (size: number, index: number): string => hashOf(0xa0 + artifactSizes.indexOf(size), index)

/**
 * Upload targets: small uploads get a fresh hash every time (as turbo's do);
 * big ones rotate over a few slots per connection, so the disk use stays bounded.
 */
let uploadCounter = 0
const uploadHash = (row: ThroughputRow, worker: number, sequence: number): string => {
  const family = 0xb0 + artifactSizes.indexOf(row.size) * 2 + (row.concurrency > 1 ? 1 : 0)
  if (row.size <= autocannonMaxSize) return hashOf(family, uploadCounter++)
  const slots = row.size >= 16 * MiB ? 1 : 4
  return hashOf(family, worker * slots + (sequence % slots))
}

let missCounter = 0

/** Runs one row against one server for `durationSeconds`. */
export const runRow = (row: ThroughputRow, server: ChildServer, durationSeconds: number): Promise<LoadResult> => {
  if (row.kind === "head-miss") {
    return runHeadMissLoad({
      baseUrl: server.url,
      connections: row.concurrency,
      durationSeconds,
      missingHash: () => hashOf(0xee, missCounter++)
    })
  }
  if (row.kind === "get-miss") {
    return runAutocannonLoad({
      baseUrl: server.url,
      method: "GET",
      size: 0,
      connections: row.concurrency,
      durationSeconds,
      expectedStatus: 404,
      pathFor: () => artifactPath(hashOf(0xef, missCounter++))
    })
  }
  const setSize = downloadSetSize(row.size)
  if (row.size <= autocannonMaxSize) {
    return runAutocannonLoad({
      baseUrl: server.url,
      method: row.kind === "get" ? "GET" : "PUT",
      size: row.size,
      connections: row.concurrency,
      durationSeconds,
      pathFor: (sequence) =>
        artifactPath(row.kind === "get" ? downloadHash(row.size, sequence % setSize) : uploadHash(row, 0, sequence))
    })
  }
  return runTransferLoad({
    baseUrl: server.url,
    method: row.kind === "get" ? "GET" : "PUT",
    size: row.size,
    concurrency: row.concurrency,
    stop: { afterMs: durationSeconds * 1000 },
    pathFor: (worker, sequence) =>
      artifactPath(row.kind === "get" ? downloadHash(row.size, (worker + sequence) % setSize) : uploadHash(row, worker, sequence))
  })
}
