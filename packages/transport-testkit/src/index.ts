export { protocolSuite } from "./protocolSuite.ts"
export type { ProtocolSuiteOptions } from "./protocolSuite.ts"
export type { ServerUnderTest, StartOptions, StartServer } from "./ServerUnderTest.ts"
export * from "./client.ts"
