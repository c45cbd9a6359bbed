export { cacheIndexConformance, defaultSeed, seedFromEnv } from "./conformance.ts"
export type { CacheIndexConformanceOptions } from "./conformance.ts"
export { concurrentWritersConformance } from "./concurrentWriters.ts"
export type { ConcurrentWritersOptions } from "./concurrentWriters.ts"
export {
  allArtifacts,
  allEvents,
  allSuccessHashes,
  artifactEvent,
  artifactOrder,
  emptyTotals,
  eventTime,
  eventWrite,
  goneWrite,
  hourStart,
  makeEvent,
  newestFirst,
  openIndex,
  randomEventId,
  randomHash,
  randomHour,
  randomTeamId,
  recount,
  recountUsage,
  removedWrite,
  seededRandom,
  storedWrite,
  timedEventId,
  toApiEvent
} from "./helpers.ts"
export type { OpenedIndex, SeededRandom } from "./helpers.ts"
export { makeWorkload } from "./workload.ts"
export type { Workload, WorkloadOptions } from "./workload.ts"
export { postgresBindir, PostgresStartError, postgresServer, startPostgres, TestPostgres, usePostgres } from "./postgres.ts"
export type { PostgresHandle, PostgresServer, StartPostgresOptions } from "./postgres.ts"
