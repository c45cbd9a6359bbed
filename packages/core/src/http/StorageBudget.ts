import { Effect } from "effect"
import type { Team } from "../access/Team.ts"
import { ApiError } from "./ApiError.ts"
import type { Services } from "./Services.ts"

/** How long a client refused for a full cache is told to wait: about two eviction rounds. */
const retryAfterSeconds = (services: Services) => String(Math.max(1, Math.ceil((2 * services.retention.intervalMs) / 1000)))

const insufficientStorage = (services: Services, what: string) =>
  new ApiError({
    status: 507,
    code: "insufficient_storage",
    message: `${what} is over its size budget faster than eviction frees space; retry later`,
    headers: { "retry-after": retryAfterSeconds(services) }
  })

/**
 * Whether an upload of `size` bytes is refused: the stored bytes are already
 * above the budget and the upload would take them past the hard ceiling.
 * At or below the budget an upload is taken even if it crosses the ceiling:
 * the evictor only acts above the budget, so refusing it there would refuse
 * it forever (an artifact larger than the headroom above the budget).
 */
const pastCeiling = (bytes: number, size: number, budget: number, hardCeiling: number): boolean =>
  bytes > budget && bytes + size > budget * hardCeiling

/**
 * The size budgets on the upload path. `admit` refuses an upload with 507
 * when the whole cache or the team is over its budget and the upload would
 * take it past the hard ceiling (110% by default): writes outrunning the
 * evictor. Below it uploads never wait for eviction. turbo warns about a
 * refused upload and carries on with the build.
 *
 * What counts is the stored bytes: the index's figure plus this replica's
 * uploads since it was read. Uploads in progress are not held against the
 * budget (measured: holding them refused far more uploads without lowering
 * the peak, which comes from the index trailing the uploads), so disk use can
 * pass the ceiling by the uploads in flight. An upload that finds a budget
 * exceeded wakes the evictor rather than leaving it to its next interval.
 */
export const makeStorageBudget = (services: Services) => {
  const { hardCeiling, maxSizeBytes } = services.retention

  /** Fails when the budget is past its ceiling with this upload; wakes the evictor when it is exceeded. */
  const check = (stored: number, size: number, budget: number, what: string) => {
    if (stored + size <= budget) return Effect.void
    services.evictor.wake()
    return pastCeiling(stored, size, budget, hardCeiling) ? Effect.fail(insufficientStorage(services, what)) : Effect.void
  }

  const admit = (team: Team, size: number): Effect.Effect<void, ApiError> => {
    const teamBudget = team.maxSizeBytes
    if (maxSizeBytes === undefined && teamBudget === undefined) return Effect.void
    return Effect.gen(function*() {
      if (maxSizeBytes !== undefined) {
        const { bytes } = yield* services.usage.cacheUsedBytes
        yield* check(bytes, size, maxSizeBytes, "the cache")
      }
      if (teamBudget !== undefined) {
        const { bytes } = yield* services.usage.usedBytes(team)
        yield* check(bytes, size, teamBudget, `team ${team.slug}`)
      }
    })
  }

  /** After a stored upload: wakes the evictor when the upload took a budget over (the check before it may not have). */
  const stored = (team: Team, size: number): Effect.Effect<void> =>
    Effect.gen(function*() {
      if (maxSizeBytes !== undefined && (yield* services.usage.cacheUsedBytes).bytes > maxSizeBytes) services.evictor.wake()
      else if (team.maxSizeBytes !== undefined && (yield* services.usage.usedBytes(team)).bytes > team.maxSizeBytes) services.evictor.wake()
    })

  return { admit, stored }
}
