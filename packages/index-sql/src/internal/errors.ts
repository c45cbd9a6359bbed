/**
 * SQL failures as `IndexError`s. A message may quote a connection URL; its
 * password is masked.
 */
import { IndexError } from "@hoard/core"
import { Effect } from "effect"
import { isSqlError } from "effect/sql/SqlError"
import type { SqlError } from "effect/sql/SqlError"

const redact = (message: string): string => message.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, "$1***@")

/** The error's message, and its cause's when it only wraps one (a failed migration wraps the SQL error). */
export const messageOf = (error: unknown, depth = 0): string => {
  const message = error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
    ? String((error as { readonly message: unknown }).message)
    : String(error)
  const cause = typeof error === "object" && error !== null && "cause" in error ? error.cause : undefined
  const inner = depth < 4 && typeof cause === "object" && cause !== null && cause !== error
    ? messageOf(cause, depth + 1)
    : undefined
  if (inner === undefined || message.includes(inner)) return redact(message)
  return redact(inner.includes(message) ? inner : `${message}: ${inner}`)
}

export const indexError = (operation: string, context: string) => (error: unknown): IndexError =>
  new IndexError({ operation, message: `${context}: ${messageOf(error)}`, cause: error })

/**
 * SQL failures of an index operation as `IndexError`s, also those the driver
 * raises as defects (seen when the server is killed mid-transaction and the
 * rollback fails).
 */
export const orIndexError = (operation: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqlError> | IndexError, R> => {
  const toIndexError = indexError(operation, `cache index ${operation} failed`)
  return effect.pipe(
    Effect.mapError((error) => isSqlError(error) ? toIndexError(error) : error),
    Effect.catchDefect((defect) => isSqlError(defect) ? Effect.fail(toIndexError(defect)) : Effect.die(defect))
  ) as Effect.Effect<A, Exclude<E, SqlError> | IndexError, R>
}
