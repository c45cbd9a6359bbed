import { ArtifactInfo } from "@hoard/core"
import { Result, SchemaIssue, SchemaParser } from "effect"

/**
 * ArtifactInfo as S3 user metadata (`x-amz-meta-*`), written with the object
 * itself so bytes and metadata can never disagree.
 *
 * Text fields are stored verbatim when an HTTP header keeps them intact. HTTP
 * trims leading and trailing whitespace, and S3 drops empty values, so such a
 * value goes under `<name>-json` as a JSON string instead (`" x"` → `"\" x\""`).
 */
const textFields = [
  ["tag", "tag"],
  ["sha", "sha"],
  ["dirtyHash", "dirty-hash"],
  ["clientCi", "client-ci"]
] as const

const survivesHeader = (value: string): boolean => value !== "" && value.trim() === value

export const encodeInfo = (info: ArtifactInfo): Record<string, string> => {
  const encoded: Record<string, string> = {
    "size": String(info.size),
    "created-at": String(info.createdAt),
    "duration-ms": String(info.metadata.durationMs)
  }
  for (const [field, name] of textFields) {
    const value = info.metadata[field]
    if (value === undefined) continue
    if (survivesHeader(value)) encoded[name] = value
    else encoded[`${name}-json`] = JSON.stringify(value)
  }
  return encoded
}

const decodeArtifactInfo = SchemaParser.decodeUnknownResult(ArtifactInfo)
const formatIssue = SchemaIssue.makeFormatterDefault()

const integer = (value: string | undefined): number | undefined =>
  value !== undefined && /^-?[0-9]{1,16}$/u.test(value) ? Number(value) : undefined

/**
 * Reads back what `encodeInfo` wrote; `contentLength` is the object's real size.
 * Fails with a message when the object was not written by Hoard or is damaged.
 */
export const decodeInfo = (
  metadata: Record<string, string> | undefined,
  contentLength: number | undefined
): Result.Result<ArtifactInfo, string> => {
  const stored = metadata ?? {}
  const size = integer(stored["size"])
  const createdAt = integer(stored["created-at"])
  const durationMs = integer(stored["duration-ms"])
  if (size === undefined || createdAt === undefined || durationMs === undefined) {
    return Result.fail("the object has no Hoard metadata (size, created-at, duration-ms): it was not written by Hoard")
  }
  if (contentLength !== undefined && contentLength !== size) {
    return Result.fail(`the object holds ${contentLength} bytes but its metadata records ${size}`)
  }
  const text: Record<string, unknown> = {}
  for (const [field, name] of textFields) {
    const raw = stored[name]
    const json = stored[`${name}-json`]
    if (raw !== undefined) text[field] = raw
    else if (json !== undefined) {
      try {
        text[field] = JSON.parse(json)
      } catch {
        return Result.fail(`the metadata field ${name}-json is not a JSON string`)
      }
    }
  }
  const decoded = decodeArtifactInfo({ size, createdAt, metadata: { durationMs, ...text } })
  return Result.mapError(decoded, (issue) => `the object's metadata is invalid: ${formatIssue(issue).replace(/\s+/gu, " ").trim()}`)
}
