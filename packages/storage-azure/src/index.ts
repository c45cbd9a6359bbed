export * as AzureStorage from "./AzureStorage.ts"
export type { AzureCredentials, AzureStorageOptions } from "./AzureStorageOptions.ts"
