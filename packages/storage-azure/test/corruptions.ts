import type { ArtifactKey } from "@hoard/core"
import type { Corruption } from "@hoard/storage-testkit"
import { Effect } from "effect"
import { sdkContainer } from "./fixtures.ts"

/**
 * Ways a blob under `prefix` (normalized: empty, or ending in "/") can hold no
 * valid artifact, uploaded with a plain SDK client over the artifact's blob,
 * for the conformance suite.
 */
export const azureCorruptions = (connectionString: string, container: string, prefix: string): Record<string, Corruption> => {
  const replace = (key: ArtifactKey, body: string, metadata?: Record<string, string>) =>
    Effect.promise(() =>
      sdkContainer(connectionString, container)
        .getBlockBlobClient(`${prefix}${key.namespace}/${key.hash}`)
        .upload(body, Buffer.byteLength(body), metadata === undefined ? {} : { metadata })
    )
  return {
    "a blob without Hoard metadata": (key) => replace(key, "abc"),
    "unparseable metadata": (key) => replace(key, "abc", { hoardinfo: "{not json" }),
    "a length other than its metadata records": (key) =>
      replace(key, "abc", { hoardinfo: JSON.stringify({ size: 5, createdAt: 1_700_000_000_000, metadata: { durationMs: 1 } }) })
  }
}
