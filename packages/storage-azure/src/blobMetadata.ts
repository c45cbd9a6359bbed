import { ArtifactInfoJson } from "@hoard/core"
import type { ArtifactInfo } from "@hoard/core"
import { Option, Result, Schema } from "effect"

/**
 * The blob metadata key holding the artifact's info (size, createdAt and the
 * client's metadata) as one JSON document. Azure keys must be C# identifiers;
 * lowercase because HEAD answers come back lowercased.
 */
export const infoKey = "hoardinfo"

const encodeInfo = Schema.encodeSync(ArtifactInfoJson)
const decodeInfo = Schema.decodeUnknownOption(ArtifactInfoJson)

/**
 * The blob metadata to write with an artifact. Spaces inside JSON strings are
 * escaped as `\u0020` because HTTP trims and Shared Key canonicalization folds
 * whitespace in header values; everything else is printable ASCII already.
 */
export const toBlobMetadata = (info: ArtifactInfo): Record<string, string> => ({
  [infoKey]: encodeInfo(info).replaceAll(" ", "\\u0020")
})

/**
 * The info stored with a blob, or why the blob is not a well-formed Hoard
 * artifact (no or undecodable metadata, or a recorded size other than the
 * blob's actual length).
 */
export const fromBlobMetadata = (
  metadata: Readonly<Record<string, string>> | undefined,
  contentLength: number | undefined
): Result.Result<ArtifactInfo, string> => {
  const json = metadata?.[infoKey]
  if (json === undefined) return Result.fail(`it has no ${infoKey} metadata (written by another tool?)`)
  const info = decodeInfo(json)
  if (Option.isNone(info)) return Result.fail(`its ${infoKey} metadata is not valid artifact info`)
  return info.value.size === contentLength
    ? Result.succeed(info.value)
    : Result.fail(`it holds ${contentLength} bytes but its metadata says ${info.value.size}`)
}
