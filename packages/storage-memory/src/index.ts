export * as MemoryStorage from "./MemoryStorage.ts"
export type { MemoryStorageOptions } from "./MemoryStorage.ts"
