export * as GcsStorage from "./GcsStorage.ts"
export type { GcsRetryOptions, GcsStorageOptions } from "./GcsStorageOptions.ts"
