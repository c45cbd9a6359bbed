import { StorageError } from "@hoard/core"
import { Effect } from "effect"
import { storageError } from "./errors.ts"

/** What every SDK call of one storage needs to know. */
export interface CallContext {
  readonly container: string
  readonly timeoutMs: number
}

type Operation = StorageError["operation"]

/**
 * Runs one SDK call as an Effect: a rejection becomes a `StorageError` naming
 * `what` failed and why; interruption and the client-side time limit abort the
 * HTTP request through `signal`.
 */
export const sdkCall = <A>(
  context: CallContext,
  operation: Operation,
  what: string,
  f: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, StorageError> =>
  Effect.tryPromise({ try: f, catch: (error) => storageError(operation, what, error, context.container) }).pipe(
    Effect.timeoutOrElse({
      duration: context.timeoutMs,
      orElse: () =>
        Effect.fail(
          new StorageError({ operation, message: `${what} failed: no answer from Azure within ${context.timeoutMs} ms` })
        )
    })
  )
