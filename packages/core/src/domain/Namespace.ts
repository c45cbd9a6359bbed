import { Schema } from "effect"

/**
 * The storage namespace an artifact lives in: one per team. Safe to use as a
 * path segment or an object-key prefix on every backend.
 */
export const Namespace = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/u, {
    message: "a team id or slug is 1 to 128 letters, digits, '_', '-' or '.', and does not start with '.'"
  })
).pipe(Schema.brand("Namespace"))
export type Namespace = typeof Namespace.Type
