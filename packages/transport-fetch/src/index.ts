export { makeFetchHandler } from "./FetchHandler.ts"
export type { FetchHandler, FetchHandlerOptions } from "./FetchHandler.ts"
export { createHoardFetch } from "./promise.ts"
export type { HoardFetch } from "./promise.ts"
