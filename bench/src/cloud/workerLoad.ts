import type { LoadResult } from "../loadResult.ts"

/**
 * The SDK-side twin of `runTransferLoad`: `concurrency` workers, each running
 * `requestsPerWorker` operations one after the other. A worker stops at its
 * first failure, which is counted as an error.
 */
export interface WorkerLoadSpec {
  readonly concurrency: number
  readonly requestsPerWorker: number
  /** Bytes moved by one successful operation. */
  readonly size: number
  readonly operation: (worker: number, sequence: number) => Promise<void>
}

export const runWorkerLoad = async (spec: WorkerLoadSpec): Promise<LoadResult> => {
  let requests = 0
  let errors = 0
  let firstError: string | undefined
  const started = performance.now()
  const worker = async (index: number): Promise<void> => {
    for (let sequence = 0; sequence < spec.requestsPerWorker; sequence++) {
      try {
        await spec.operation(index, sequence)
        requests++
      } catch (error) {
        errors++
        firstError ??= error instanceof Error ? error.message : String(error)
        return
      }
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency }, (_, index) => worker(index)))
  return { requests, bytes: requests * spec.size, seconds: (performance.now() - started) / 1000, errors, firstError }
}
