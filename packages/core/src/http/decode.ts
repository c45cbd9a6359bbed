import { Effect, Schema, SchemaIssue } from "effect"
import { badRequest } from "./ApiError.ts"
import type { ApiError } from "./ApiError.ts"

/** Decodes untrusted input; a failure becomes a 400 that names what was wrong. */
export const decodeOrBadRequest = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, what: string) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (input: unknown): Effect.Effect<S["Type"], ApiError, S["DecodingServices"]> =>
    decode(input).pipe(
      Effect.mapError((error) => badRequest(`invalid ${what}: ${formatIssue(error.issue)}`))
    )
}

const formatter = SchemaIssue.makeFormatterDefault()
const formatIssue = (issue: SchemaIssue.Issue): string => formatter(issue).replace(/\s+/gu, " ").trim()
