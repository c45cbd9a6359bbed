import { Schema } from "effect"

/** A header-safe string: printable ASCII, bounded. */
const HeaderText = (maxLength: number) =>
  Schema.String.check(
    Schema.isPattern(/^[\x20-\x7e]*$/u, { message: "only printable ASCII characters are allowed" }),
    Schema.isMaxLength(maxLength, { message: `at most ${maxLength} characters are allowed` })
  )

/**
 * What the client tells us about an artifact on upload, returned verbatim on
 * download (`x-artifact-*` headers). `durationMs` is the task's run time, which
 * turbo reports as "time saved" on a hit.
 */
export const ArtifactMetadata = Schema.Struct({
  durationMs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  tag: Schema.optionalKey(HeaderText(600)),
  sha: Schema.optionalKey(HeaderText(256)),
  dirtyHash: Schema.optionalKey(HeaderText(256)),
  clientCi: Schema.optionalKey(HeaderText(256))
})
export type ArtifactMetadata = typeof ArtifactMetadata.Type

/** Metadata plus the facts the storage records itself. */
export const ArtifactInfo = Schema.Struct({
  size: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** When the artifact was stored, in milliseconds since the epoch. */
  createdAt: Schema.Int,
  metadata: ArtifactMetadata
})
export type ArtifactInfo = typeof ArtifactInfo.Type

/** JSON codec used by adapters that store metadata as one document. */
export const ArtifactInfoJson = Schema.fromJsonString(ArtifactInfo)
