import { Effect } from "effect"
import type { StorageError } from "@hoard/core"
import type { StorageChoice } from "./storageLayer.ts"

type CloudStorageFromUrl = (
  url: string,
  env: Record<string, string | undefined>
) => Effect.Effect<StorageChoice, StorageError>

/**
 * Storage URL schemes served by the cloud adapters. Each adapter is imported
 * only when its scheme is used, so an fs or memory server never loads a cloud SDK.
 */
export const cloudStorageSchemes: Record<string, () => Promise<CloudStorageFromUrl>> = {
  gs: async () => {
    const { GcsStorage } = await import("@hoard/storage-gcs")
    return (url, env) =>
      Effect.map(GcsStorage.optionsFromUrl(url, env), (options) => ({
        layer: GcsStorage.layer(options),
        description: `gcs ${url}`
      }))
  },
  azure: async () => {
    const { AzureStorage } = await import("@hoard/storage-azure")
    return (url, env) =>
      Effect.map(AzureStorage.optionsFromUrl(url, env), (options) => ({
        layer: AzureStorage.layer(options),
        description: AzureStorage.describe(options)
      }))
  },
  s3: async () => {
    const { S3Storage } = await import("@hoard/storage-s3")
    return (url, env) =>
      Effect.map(S3Storage.optionsFromUrl(url, env), (options) => ({
        layer: S3Storage.layer(options),
        description: S3Storage.describe(options)
      }))
  }
}
