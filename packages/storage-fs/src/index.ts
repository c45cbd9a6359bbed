export * as FsStorage from "./FsStorage.ts"
export type { FsStorageOptions } from "./FsStorage.ts"
