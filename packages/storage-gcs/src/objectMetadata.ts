import type { FileMetadata } from "@google-cloud/storage"
import { ArtifactInfo } from "@hoard/core"
import { Result, Schema } from "effect"

/**
 * Custom-metadata keys (`x-goog-meta-*`) holding an artifact's info. They are
 * written in the same request as the bytes, so the two can never disagree.
 */
const keys = {
  size: "hoard-size",
  createdAt: "hoard-created-at",
  durationMs: "hoard-duration-ms",
  tag: "hoard-tag",
  sha: "hoard-sha",
  dirtyHash: "hoard-dirty-hash",
  clientCi: "hoard-client-ci"
} as const

export const encodeInfo = (info: ArtifactInfo): Record<string, string> => {
  const { clientCi, dirtyHash, durationMs, sha, tag } = info.metadata
  return {
    [keys.size]: String(info.size),
    [keys.createdAt]: String(info.createdAt),
    [keys.durationMs]: String(durationMs),
    ...(tag !== undefined && { [keys.tag]: tag }),
    ...(sha !== undefined && { [keys.sha]: sha }),
    ...(dirtyHash !== undefined && { [keys.dirtyHash]: dirtyHash }),
    ...(clientCi !== undefined && { [keys.clientCi]: clientCi })
  }
}

const decodeArtifactInfo = Schema.decodeUnknownResult(ArtifactInfo)

const integer = (value: unknown): number | undefined =>
  typeof value === "string" && /^-?[0-9]{1,16}$/u.test(value) ? Number(value) : undefined

const text = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

/**
 * The artifact info stored with an object, or why the object is not a valid
 * Hoard artifact (missing or malformed metadata, or a size that does not match
 * the stored bytes).
 */
export const decodeInfo = (object: FileMetadata): Result.Result<ArtifactInfo, string> => {
  const custom = object.metadata ?? {}
  const tag = text(custom[keys.tag])
  const sha = text(custom[keys.sha])
  const dirtyHash = text(custom[keys.dirtyHash])
  const clientCi = text(custom[keys.clientCi])
  const decoded = decodeArtifactInfo({
    size: integer(custom[keys.size]),
    createdAt: integer(custom[keys.createdAt]),
    metadata: {
      durationMs: integer(custom[keys.durationMs]),
      ...(tag !== undefined && { tag }),
      ...(sha !== undefined && { sha }),
      ...(dirtyHash !== undefined && { dirtyHash }),
      ...(clientCi !== undefined && { clientCi })
    }
  })
  if (Result.isFailure(decoded)) {
    return Result.fail(`its Hoard metadata is missing or malformed (${decoded.failure.message.replace(/\s+/gu, " ")})`)
  }
  const info = decoded.success
  if (Number(object.size) !== info.size) {
    return Result.fail(`it holds ${object.size} bytes but its metadata says ${info.size}`)
  }
  return Result.succeed(info)
}

/** The generation of an object as a decimal string, as the JSON API reports it. */
export const generationOf = (object: FileMetadata): string | undefined =>
  object.generation === undefined ? undefined : String(object.generation)
