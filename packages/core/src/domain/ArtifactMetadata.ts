import { Exit, Schema } from "effect"

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

// ArtifactInfo encodes as itself (no transformations), so a type check and
// JSON.stringify give the codec's JSON. Walking the codec cost a small fs
// upload or hit several microseconds, more than the rest of its header.
const isArtifactInfo = Schema.is(ArtifactInfo)
const encodeInfoJson = Schema.encodeSync(ArtifactInfoJson)
const decodeInfoJson = Schema.decodeUnknownExit(ArtifactInfoJson)

/**
 * `ArtifactInfoJson`'s encoding, made quickly: its known fields only, in the
 * schema's order. Throws the schema's error for an invalid info, as
 * `Schema.encodeSync(ArtifactInfoJson)` does.
 */
export const encodeArtifactInfoJson = (info: ArtifactInfo): string => {
  if (!isArtifactInfo(info)) return encodeInfoJson(info)
  const { clientCi, dirtyHash, durationMs, sha, tag } = info.metadata
  return JSON.stringify({ size: info.size, createdAt: info.createdAt, metadata: { durationMs, tag, sha, dirtyHash, clientCi } })
}

/**
 * `ArtifactInfoJson`'s decoding, made quickly: valid JSON of a valid info is
 * only checked; anything else goes through the codec for its error.
 */
export const decodeArtifactInfoJson = (json: string): Exit.Exit<ArtifactInfo, Schema.SchemaError> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return decodeInfoJson(json)
  }
  return isArtifactInfo(parsed) ? Exit.succeed(parsed) : decodeInfoJson(json)
}
