/**
 * SQL failures as `IndexError`s. A message may quote a connection URL; its
 * password is masked.
 */
import { IndexError } from "@hoard/core"

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
