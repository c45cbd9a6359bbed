import { Schema } from "effect"

const keyMessage =
  "an artifact key is 1 to 128 letters or digits, optionally after up to two lowercase tool prefixes (e.g. `nx-`, `bazel-cas-`)"

/**
 * The name of an artifact in its team's namespace, as storage keeps it: a
 * turbo hash (hex) as it came, or another build tool's key behind that tool's
 * prefix (`nx-13755202064671528681`, `gradle-<hex>`, `ccache-<key>`,
 * `bazel-ac-<sha256>`, `bazel-cas-<sha256>`; see `ToolKey.ts`). A turbo hash
 * has no `-`, so the tools' keys never collide with turbo's or each other's.
 * Safe as a path segment and an object-key suffix on every backend; anything
 * else, path traversal included, is rejected.
 */
export const ArtifactHash = Schema.String.check(
  Schema.isPattern(/^(?:[a-z]{2,12}-){0,2}[A-Za-z0-9]{1,128}$/u, { message: keyMessage })
).pipe(Schema.brand("ArtifactHash"))
export type ArtifactHash = typeof ArtifactHash.Type

/**
 * A hash as the Turborepo client sends it: hex only (turbo sends 16 lowercase
 * hex characters). The `/v8` routes accept nothing else.
 */
export const TurboHash = Schema.String.check(
  Schema.isPattern(/^[a-fA-F0-9]+$/u, { message: "an artifact hash is 1 to 128 hex characters" }),
  Schema.isMaxLength(128, { message: "an artifact hash is 1 to 128 hex characters" })
).pipe(Schema.brand("ArtifactHash"))

/**
 * The turbo rule as one regular expression, for the request path: a valid hash
 * (every one turbo sends) skips the schema's decoder, which only has to
 * explain what is wrong with an invalid one.
 */
const turboHash = /^[a-fA-F0-9]{1,128}$/u
export const isTurboHash = (value: string): value is ArtifactHash => turboHash.test(value)
