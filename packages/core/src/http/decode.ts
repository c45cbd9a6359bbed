import { Effect, Exit, Schema, SchemaIssue } from "effect"
import { badRequest } from "./ApiError.ts"
import type { ApiError } from "./ApiError.ts"

/**
 * Decodes untrusted input; a failure becomes a 400 that names what was wrong
 * (in the schema's own words, clipped so an answer stays small).
 * Decoding is synchronous (the protocol's schemas need no services), which
 * keeps the per-request cost low.
 */
export const decodeOrBadRequest = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, what: string) => {
  const decode = Schema.decodeUnknownExit(schema)
  return (input: unknown): Effect.Effect<S["Type"], ApiError> => {
    const exit = decode(input)
    return Exit.isSuccess(exit)
      ? Effect.succeed(exit.value)
      : Effect.fail(badRequest(`invalid ${what}: ${describeFailure(exit)}`))
  }
}

const describeFailure = (exit: Exit.Exit<unknown, Schema.SchemaError>): string => {
  const error = Exit.findErrorOption(exit)
  return error._tag === "Some" ? formatIssue(error.value.issue) : "could not be decoded"
}

const formatter = SchemaIssue.makeFormatterDefault()
const formatIssue = (issue: SchemaIssue.Issue): string => clip(formatter(issue).replace(/\s+/gu, " ").trim())

/** Shortens text echoed from client input into an error message, so an answer stays small. */
export const clip = (text: string, maxLength = 300): string =>
  text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`
