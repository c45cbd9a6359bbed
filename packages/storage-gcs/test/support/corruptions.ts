import type { ArtifactKey } from "@hoard/core"
import type { Corruption } from "@hoard/storage-testkit"
import { Effect } from "effect"
import { rawClient } from "./emulator.ts"

/**
 * Ways an object under `<prefix>/` can hold no valid artifact, written with a
 * raw client over the artifact's object, for the conformance suite.
 */
export const gcsCorruptions = (bucket: string, prefix: string): Record<string, Corruption> => {
  const replace = (key: ArtifactKey, body: string, custom?: Record<string, string>) =>
    Effect.promise(() =>
      rawClient().bucket(bucket).file(`${prefix}/${key.namespace}/${key.hash}`).save(body, {
        resumable: false,
        ...(custom !== undefined && { metadata: { metadata: custom } })
      })
    )
  const hoardMetadata = { "hoard-size": "3", "hoard-created-at": "1700000000000", "hoard-duration-ms": "1" }
  return {
    "an object without Hoard metadata": (key) => replace(key, "abc"),
    "unparseable metadata": (key) => replace(key, "abc", { ...hoardMetadata, "hoard-created-at": "yesterday" }),
    "a length other than its metadata records": (key) => replace(key, "abc", { ...hoardMetadata, "hoard-size": "5" })
  }
}
