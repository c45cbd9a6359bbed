export * as FsStorage from "./FsStorage.ts"
export type { FsStorageOptions, FsStorageShape } from "./FsStorage.ts"
