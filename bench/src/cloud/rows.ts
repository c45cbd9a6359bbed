import type { ChildServer } from "../childServer.ts"
import type { LoadResult } from "../loadResult.ts"
import { artifactPath, hashOf } from "../protocol.ts"
import { runTransferLoad } from "../transferLoad.ts"
import { MiB, sizeId, sizeLabel } from "../units.ts"
import { sdkPrefix } from "./backend.ts"
import type { SdkTransfer } from "./backend.ts"
import { runWorkerLoad } from "./workerLoad.ts"

/** One line of the cloud table: a direction, an artifact size and a concurrency, for one backend. */
export interface CloudRow {
  readonly id: string
  readonly label: string
  readonly kind: "get" | "put"
  readonly size: number
  readonly concurrency: number
  /** Each of the `concurrency` workers sends this many requests per measurement. */
  readonly requestsPerWorker: number
}

export const cloudSizes: ReadonlyArray<number> = [MiB, 50 * MiB]
const concurrencies = [1, 4] as const

/**
 * Requests per worker: the same work for Hoard and the SDK. 1 MiB rows move
 * 24-32 MiB per measurement (about half a second on the emulators); 50 MiB
 * rows send one request per connection, since the emulators take 50 MB/s
 * uploads and a full run must stay near 6 minutes. Quick mode halves the 1 MiB rows.
 */
const requestsPerWorker = (size: number, concurrency: number, quick: boolean): number => {
  if (size >= 16 * MiB) return 1
  const full = concurrency === 1 ? 24 : 8
  return quick ? full / 2 : full
}

export const cloudRows = (quick: boolean): ReadonlyArray<CloudRow> =>
  (["put", "get"] as const).flatMap((kind) =>
    cloudSizes.flatMap((size) =>
      concurrencies.map((concurrency): CloudRow => ({
        id: `${kind}-${sizeId(size)}-c${concurrency}`,
        label: `${kind.toUpperCase()} ${sizeLabel(size)}, c=${concurrency}`,
        kind,
        size,
        concurrency,
        requestsPerWorker: requestsPerWorker(size, concurrency, quick)
      }))
    )
  )

/** How many distinct objects GET rows read (uploaded before anything is measured). */
export const downloadSetSize = (size: number): number => (size >= 16 * MiB ? 4 : 8)

/** The hash of the i-th object GET rows read. */
export const downloadHash = (size: number, index: number): string => hashOf(0xc0 + cloudSizes.indexOf(size), index)

/** Uploads overwrite a few fixed slots per worker (one for big artifacts), so the emulators' storage stays bounded. */
const uploadHash = (row: CloudRow, worker: number, sequence: number): string => {
  const family = 0xd0 + cloudSizes.indexOf(row.size) * 2 + (row.concurrency > 1 ? 1 : 0)
  const slots = row.size >= 16 * MiB ? 1 : 4
  return hashOf(family, worker * slots + (sequence % slots))
}

const hashFor = (row: CloudRow, worker: number, sequence: number): string =>
  row.kind === "get" ? downloadHash(row.size, (worker + sequence) % downloadSetSize(row.size)) : uploadHash(row, worker, sequence)

/** The object key the SDK path uses for a hash. */
export const sdkKey = (hash: string): string => `${sdkPrefix}/${hash}`

/** The row through Hoard, over HTTP, with the transfer client of the main benchmark. */
export const runHoardRow = (row: CloudRow, hoard: ChildServer): Promise<LoadResult> =>
  runTransferLoad({
    baseUrl: hoard.url,
    method: row.kind === "get" ? "GET" : "PUT",
    size: row.size,
    concurrency: row.concurrency,
    stop: { requestsPerWorker: row.requestsPerWorker },
    pathFor: (worker, sequence) => artifactPath(hashFor(row, worker, sequence))
  })

/** The same row straight through the cloud SDK, in the bench process. */
export const runSdkRow = (row: CloudRow, sdk: SdkTransfer): Promise<LoadResult> =>
  runWorkerLoad({
    concurrency: row.concurrency,
    requestsPerWorker: row.requestsPerWorker,
    size: row.size,
    operation: async (worker, sequence) => {
      const key = sdkKey(hashFor(row, worker, sequence))
      if (row.kind === "put") return sdk.upload(key, row.size)
      const received = await sdk.download(key)
      if (received !== row.size) throw new Error(`GET ${key} returned ${received} of ${row.size} bytes`)
    }
  })

/** Uploads, through both paths, the objects that the GET rows read. */
export const prepopulate = async (rows: ReadonlyArray<CloudRow>, hoard: ChildServer, sdk: SdkTransfer): Promise<void> => {
  const sizes = [...new Set(rows.filter((row) => row.kind === "get").map((row) => row.size))]
  for (const size of sizes) {
    const count = downloadSetSize(size)
    const hoardResult = await runTransferLoad({
      baseUrl: hoard.url,
      method: "PUT",
      size,
      concurrency: 1,
      stop: { requestsPerWorker: count },
      pathFor: (_worker, sequence) => artifactPath(downloadHash(size, sequence))
    })
    if (hoardResult.errors > 0 || hoardResult.requests !== count) {
      throw new Error(`pre-populating Hoard failed (PUT of ${size} bytes): ${hoardResult.firstError ?? "requests missing"}`)
    }
    for (let index = 0; index < count; index++) await sdk.upload(sdkKey(downloadHash(size, index)), size)
  }
}
