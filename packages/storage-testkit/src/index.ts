export { storageConformance } from "./conformance.ts"
export type { ConformanceOptions } from "./conformance.ts"
export type { Corruption } from "./suites/corruption.ts"
export { bytesOf, chunked, digestOf, failingAfter, randomBytes, randomHash, randomNamespace, sha256 } from "./helpers.ts"
