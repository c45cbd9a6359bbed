import { ArtifactInfoJson } from "@hoard/core"
import type { ArtifactInfo } from "@hoard/core"
import { Option, Schema } from "effect"

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
 * The info stored with a blob, if it is a well-formed Hoard artifact whose
 * recorded size matches the blob's actual length.
 */
export const fromBlobMetadata = (
  metadata: Readonly<Record<string, string>> | undefined,
  contentLength: number | undefined
): Option.Option<ArtifactInfo> =>
  Option.fromUndefinedOr(metadata?.[infoKey]).pipe(
    Option.flatMap((json) => decodeInfo(json)),
    Option.filter((info) => info.size === contentLength)
  )
