import { Schema } from "effect"

/**
 * An artifact hash as the Turborepo client sends it: hex only (turbo sends 16
 * lowercase hex characters). Anything else, path traversal included, is rejected.
 */
export const ArtifactHash = Schema.String.check(
  Schema.isPattern(/^[a-fA-F0-9]+$/u, { message: "an artifact hash is 1 to 128 hex characters" }),
  Schema.isMaxLength(128, { message: "an artifact hash is 1 to 128 hex characters" })
).pipe(Schema.brand("ArtifactHash"))
export type ArtifactHash = typeof ArtifactHash.Type

/**
 * The same rule as one regular expression, for the request path: a valid hash
 * (every one turbo sends) skips the schema's decoder, which only has to
 * explain what is wrong with an invalid one.
 */
const validHash = /^[a-fA-F0-9]{1,128}$/u
export const isArtifactHash = (value: string): value is ArtifactHash => validHash.test(value)
