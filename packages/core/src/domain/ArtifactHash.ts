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
