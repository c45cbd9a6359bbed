import { Effect, Metric } from "effect"
import type { Scope } from "effect"
import { uploadsInFlight } from "../observability/requestMetrics.ts"
import { ApiError, tooManyRequests } from "./ApiError.ts"

/** Seconds a refused uploader is told to wait: uploads of typical artifacts finish well within it. */
const retryAfterMillis = 5_000

export interface UploadSlots {
  /** Takes a slot for `tokenName` until the scope closes, or fails with 429 (this token) or 503 (the server). */
  readonly acquire: (tokenName: string) => Effect.Effect<void, ApiError, Scope.Scope>
  /** Uploads in progress, in total and for one token. */
  readonly inUse: (tokenName?: string) => number
}

/** Counts uploads in progress on this server, in total and per token. */
export const makeUploadSlots = (limits: { readonly total: number; readonly perToken: number }): UploadSlots => {
  let total = 0
  const perToken = new Map<string, number>()
  const release = (tokenName: string) =>
    Effect.sync(() => {
      total -= 1
      const held = (perToken.get(tokenName) ?? 1) - 1
      if (held === 0) perToken.delete(tokenName)
      else perToken.set(tokenName, held)
    }).pipe(Effect.andThen(Metric.modify(uploadsInFlight, -1)))
  return {
    acquire: (tokenName) =>
      Effect.suspend(() => {
        const held = perToken.get(tokenName) ?? 0
        if (held >= limits.perToken) {
          return Effect.fail(tooManyRequests(
            `token ${tokenName} already has ${held} uploads in progress, the most one token may have at once`,
            retryAfterMillis
          ))
        }
        if (total >= limits.total) {
          return Effect.fail(new ApiError({
            status: 503,
            code: "too_many_uploads",
            message: `the server already has ${total} uploads in progress, the most it takes at once`,
            headers: { "retry-after": String(retryAfterMillis / 1000) }
          }))
        }
        total += 1
        perToken.set(tokenName, held + 1)
        return Effect.andThen(Metric.modify(uploadsInFlight, 1), Effect.addFinalizer(() => release(tokenName)))
      }),
    inUse: (tokenName) => tokenName === undefined ? total : perToken.get(tokenName) ?? 0
  }
}
