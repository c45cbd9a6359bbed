import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob"
import type { ContainerClient, StoragePipelineOptions } from "@azure/storage-blob"
import { defaultRetryOptions } from "./AzureStorageOptions.ts"
import type { AzureStorageOptions } from "./AzureStorageOptions.ts"

const publicEndpoint = (accountName: string): string => `https://${accountName}.blob.core.windows.net`

/**
 * The SDK client for the configured container. Throws on a malformed
 * connection string or endpoint.
 */
export const makeContainerClient = (options: AzureStorageOptions): ContainerClient => {
  const pipeline: StoragePipelineOptions = {
    ...options.pipeline,
    retryOptions: { ...defaultRetryOptions, ...options.pipeline?.retryOptions }
  }
  const { credentials, endpoint } = options
  if ("connectionString" in credentials) {
    if (endpoint !== undefined) {
      throw new Error("endpoint cannot be combined with a connection string: set BlobEndpoint=... in the connection string")
    }
    return BlobServiceClient.fromConnectionString(credentials.connectionString, pipeline).getContainerClient(options.container)
  }
  const url = endpoint ?? publicEndpoint(credentials.accountName)
  const credential = "accountKey" in credentials
    ? new StorageSharedKeyCredential(credentials.accountName, credentials.accountKey)
    : credentials.tokenCredential
  return new BlobServiceClient(url, credential, pipeline).getContainerClient(options.container)
}
