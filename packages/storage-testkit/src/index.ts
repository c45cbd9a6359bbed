export { storageConformance } from "./conformance.ts"
export type { ConformanceOptions } from "./conformance.ts"
export { bytesOf, chunked, digestOf, failingAfter, randomBytes, randomHash, randomNamespace, sha256 } from "./helpers.ts"
