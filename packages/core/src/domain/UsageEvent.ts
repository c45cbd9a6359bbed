import { Schema } from "effect"
import { TurboHash } from "../domain/ArtifactHash.ts"

/** One item of `POST /v8/artifacts/events`, as turbo sends it. */
export const UsageEvent = Schema.Struct({
  sessionId: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128)),
  source: Schema.Literals(["LOCAL", "REMOTE"]),
  event: Schema.Literals(["HIT", "MISS"]),
  hash: TurboHash,
  duration: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
})
export type UsageEvent = typeof UsageEvent.Type

/** The request body: turbo batches at most 10 events; we accept up to 1000. */
export const UsageEventBatch = Schema.Array(UsageEvent).check(
  Schema.isMaxLength(1000, { message: "at most 1000 events per request" })
)
