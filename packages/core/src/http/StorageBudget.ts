import { Effect } from "effect"
import type { Scope } from "effect"
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

/** The key of the whole cache's uploads in progress (no team id has a NUL). */
const wholeCache = "\u0000all"

/**
 * The size budgets on the upload path. `admit` refuses an upload with 507
 * when the whole cache or the team is over its budget and the upload would
 * take it past the hard ceiling (110% by default): writes outrunning the
 * evictor. Below it uploads never wait for eviction. turbo warns about a
 * refused upload and carries on with the build.
 *
 * What counts: the stored bytes (the index's figure plus this replica's
 * uploads since it was read) and the uploads in progress on this replica,
 * whose bytes are held until the upload's scope closes (after a stored upload
 * has been added to the figure). An upload that finds a budget exceeded
 * wakes the evictor rather than leaving it to its next interval.
 */
export const makeStorageBudget = (services: Services) => {
  const { hardCeiling, maxSizeBytes } = services.retention
  const inFlight = new Map<string, number>()
  const held = (key: string) => inFlight.get(key) ?? 0
  const hold = (key: string, bytes: number) => {
    const next = held(key) + bytes
    if (next === 0) inFlight.delete(key)
    else inFlight.set(key, next)
  }

  /** Checks one budget; `true` when it is exceeded (with this upload). */
  const check = (key: string, stored: number, size: number, budget: number, what: string) =>
    Effect.gen(function*() {
      const bytes = stored + held(key)
      if (pastCeiling(bytes, size, budget, hardCeiling)) {
        services.evictor.wake()
        return yield* insufficientStorage(services, what)
      }
      if (bytes + size > budget) services.evictor.wake()
    })

  const admit = (team: Team, size: number): Effect.Effect<void, ApiError, Scope.Scope> => {
    const teamBudget = team.maxSizeBytes
    if (maxSizeBytes === undefined && teamBudget === undefined) return Effect.void
    return Effect.gen(function*() {
      if (maxSizeBytes !== undefined) {
        const { bytes } = yield* services.usage.cacheUsedBytes
        yield* check(wholeCache, bytes, size, maxSizeBytes, "the cache")
      }
      if (teamBudget !== undefined) {
        const { bytes } = yield* services.usage.usedBytes(team)
        yield* check(team.id, bytes, size, teamBudget, `team ${team.slug}`)
      }
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          hold(wholeCache, size)
          hold(team.id, size)
        }),
        () =>
          Effect.sync(() => {
            hold(wholeCache, -size)
            hold(team.id, -size)
          })
      )
    })
  }

  return { admit }
}
