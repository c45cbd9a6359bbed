import { Schema } from "effect"
import type { ArtifactInfo } from "../../domain/ArtifactMetadata.ts"

/** The `x-artifact-*` request headers of an upload. */
export const UploadHeaders = Schema.Struct({
  "x-artifact-duration": Schema.optionalKey(Schema.String.check(
    Schema.isPattern(/^[0-9]{1,15}$/u, { message: "x-artifact-duration must be a non-negative integer (milliseconds)" })
  )),
  "x-artifact-tag": Schema.optionalKey(Schema.String.check(
    Schema.isMaxLength(600, { message: "x-artifact-tag must be at most 600 characters" })
  )),
  "x-artifact-sha": Schema.optionalKey(Schema.String.check(
    Schema.isMaxLength(256, { message: "x-artifact-sha must be at most 256 characters" })
  )),
  "x-artifact-dirty-hash": Schema.optionalKey(Schema.String.check(
    Schema.isMaxLength(256, { message: "x-artifact-dirty-hash must be at most 256 characters" })
  )),
  "x-artifact-client-ci": Schema.optionalKey(Schema.String.check(
    Schema.isMaxLength(256, { message: "x-artifact-client-ci must be at most 256 characters" })
  ))
})

/** The headers a hit is answered with: the stored metadata, verbatim. */
export const artifactResponseHeaders = (info: ArtifactInfo): Record<string, string> => {
  const headers: Record<string, string> = {
    "content-type": "application/octet-stream",
    "content-length": String(info.size),
    "x-artifact-duration": String(info.metadata.durationMs)
  }
  if (info.metadata.tag !== undefined) headers["x-artifact-tag"] = info.metadata.tag
  if (info.metadata.sha !== undefined) headers["x-artifact-sha"] = info.metadata.sha
  if (info.metadata.dirtyHash !== undefined) headers["x-artifact-dirty-hash"] = info.metadata.dirtyHash
  return headers
}
