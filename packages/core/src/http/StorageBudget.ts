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
 * pass the ceiling by the uploads in flight. A stored upload that leaves a
 * budget exceeded (`stored`) wakes the evictor rather than leaving it to its
 * next interval.
 */
export const makeStorageBudget = (services: Services) => {
  const { hardCeiling, maxSizeBytes } = services.retention

  /** The budgets an upload of the team counts against: the whole cache's and the team's own, those that are set. */
  const budgetsOf = (team: Team) => [
    ...(maxSizeBytes === undefined ? [] : [{ budget: maxSizeBytes, usage: services.usage.cacheUsedBytes, what: "the cache" }]),
    ...(team.maxSizeBytes === undefined
      ? []
      : [{ budget: team.maxSizeBytes, usage: services.usage.usedBytes(team), what: `team ${team.slug}` }])
  ]

  /** Before the upload: fails with 507 when a budget is past its ceiling with it. */
  const admit = (team: Team, size: number): Effect.Effect<void, ApiError> => {
    const budgets = budgetsOf(team)
    if (budgets.length === 0) return Effect.void
    return Effect.forEach(budgets, ({ budget, usage, what }) =>
      Effect.flatMap(usage, ({ bytes }) => {
        if (!pastCeiling(bytes, size, budget, hardCeiling)) return Effect.void
        services.evictor.wake()
        return Effect.fail(insufficientStorage(services, what))
      }), { discard: true })
  }

  /**
   * After a stored upload (counted in the figures by then): wakes the evictor
   * when a budget is exceeded, so it need not wait for its next interval.
   */
  const stored = (team: Team): Effect.Effect<void> => {
    const budgets = budgetsOf(team)
    if (budgets.length === 0) return Effect.void
    return Effect.forEach(budgets, ({ budget, usage }) =>
      Effect.map(usage, ({ bytes }) => {
        if (bytes > budget) services.evictor.wake()
      }), { discard: true })
  }

  return { admit, stored }
}
