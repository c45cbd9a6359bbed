/**
 * The messages between `SqliteIndex` on the main thread and its writer
 * thread (writerThread.ts). They cross by structured clone: plain data only.
 */
import type { CacheIndexShape } from "@hoard/core"

/** The index operations that write: the writer thread applies them on its own connection. */
export const writeOperations = [
  "write",
  "deleteEventsBefore",
  "deleteRollupsBefore",
  "deleteUnstoredBefore",
  "tryLease",
  "setMeta"
] as const satisfies ReadonlyArray<keyof CacheIndexShape>

export type WriteOperation = typeof writeOperations[number]

export interface WriterThreadData {
  readonly filename: string
}

/** Main → thread: run `operation` with `args`. */
export interface WriteCall {
  readonly id: number
  readonly operation: WriteOperation
  readonly args: ReadonlyArray<unknown>
}

/** Thread → main: the thread's connection is open (or could not be opened), or a call's outcome. */
export type WriterMessage =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "OpenFailed"; readonly message: string }
  | { readonly _tag: "Done"; readonly id: number; readonly value: unknown }
  | { readonly _tag: "Failed"; readonly id: number; readonly operation: string; readonly message: string }
