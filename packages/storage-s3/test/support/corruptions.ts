import { PutObjectCommand } from "@aws-sdk/client-s3"
import type { S3ClientConfig } from "@aws-sdk/client-s3"
import type { ArtifactKey } from "@hoard/core"
import type { Corruption } from "@hoard/storage-testkit"
import { Effect } from "effect"
import { rawClient } from "./buckets.ts"

/**
 * Ways an object under `<prefix>/` can hold no valid artifact, written with a
 * raw client over the artifact's object, for the conformance suite.
 */
export const s3Corruptions = (
  endpoint: string,
  bucket: string,
  prefix: string,
  clientConfig: S3ClientConfig = {}
): Record<string, Corruption> => {
  const replace = (key: ArtifactKey, body: string, metadata?: Record<string, string>) =>
    Effect.promise(async () => {
      const client = rawClient(endpoint, clientConfig)
      try {
        await client.send(new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}/${key.namespace}/${key.hash}`,
          Body: body,
          ...(metadata !== undefined && { Metadata: metadata })
        }))
      } finally {
        client.destroy()
      }
    })
  const hoardMetadata = { "size": "3", "created-at": "1700000000000", "duration-ms": "1" }
  return {
    "an object without Hoard metadata": (key) => replace(key, "abc"),
    "unparseable metadata": (key) => replace(key, "abc", { ...hoardMetadata, "tag-json": "{not json" }),
    "a length other than its metadata records": (key) => replace(key, "abc", { ...hoardMetadata, "size": "5" })
  }
}
