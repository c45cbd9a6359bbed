import { Effect } from "effect"
import { RateLimits } from "../access/RateLimits.ts"
import type { RateLimitsShape } from "../access/RateLimits.ts"
import { TeamDirectory } from "../access/TeamDirectory.ts"
import type { TeamDirectoryShape } from "../access/TeamDirectory.ts"
import { TeamUsage } from "../access/TeamUsage.ts"
import type { TeamUsageShape } from "../access/TeamUsage.ts"
import { Auth } from "../auth/Auth.ts"
import type { AuthShape } from "../auth/Auth.ts"
import { CacheIndex } from "../index/CacheIndex.ts"
import type { CacheIndexShape } from "../index/CacheIndex.ts"
import { IndexWriter } from "../index/IndexWriter.ts"
import type { IndexWriterShape } from "../index/IndexWriter.ts"
import { HoardConfig } from "../HoardConfig.ts"
import type { HoardConfigShape } from "../HoardConfig.ts"
import { Evictor } from "../retention/Evictor.ts"
import type { EvictorShape } from "../retention/Evictor.ts"
import { RetentionConfig } from "../retention/RetentionConfig.ts"
import type { RetentionSettings } from "../retention/RetentionConfig.ts"
import { TeamLabels } from "../observability/teamLabels.ts"
import type { TeamLabelsShape } from "../observability/teamLabels.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import type { ArtifactStorageShape } from "../storage/ArtifactStorage.ts"

/** The services the HTTP handlers use, captured once when the routes are built. */
export interface Services {
  readonly storage: ArtifactStorageShape
  readonly auth: AuthShape
  /** Reads of history (management API); never used on the /v8 hot path. */
  readonly index: CacheIndexShape
  /** Where handlers send what happened; never waits on the index. */
  readonly writer: IndexWriterShape
  readonly teams: TeamDirectoryShape
  readonly usage: TeamUsageShape
  readonly rateLimits: RateLimitsShape
  readonly config: HoardConfigShape
  readonly retention: RetentionSettings
  /** Woken by an upload that finds a size budget exceeded. */
  readonly evictor: EvictorShape
  /** The bounded `team` label of the metrics. */
  readonly teamLabels: TeamLabelsShape
}

export const Services = Effect.gen(function*() {
  return {
    storage: yield* ArtifactStorage,
    auth: yield* Auth,
    index: yield* CacheIndex,
    writer: yield* IndexWriter,
    teams: yield* TeamDirectory,
    usage: yield* TeamUsage,
    rateLimits: yield* RateLimits,
    config: yield* HoardConfig,
    retention: yield* RetentionConfig,
    evictor: yield* Evictor,
    teamLabels: yield* TeamLabels
  } satisfies Services
})
