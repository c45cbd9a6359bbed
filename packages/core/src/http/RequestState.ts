import { Context } from "effect"
import type { RateLimitState } from "../access/RateLimits.ts"

/**
 * What the app learns about a request while routing it and adds to the
 * response: its id, and the token's rate-limit standing. The app provides a
 * fresh one per request; outside it (e.g. in tests of a handler) a throwaway
 * default applies.
 */
export interface RequestStateShape {
  readonly requestId: string
  rateLimit: RateLimitState | undefined
}

export const RequestState = Context.Reference<RequestStateShape>("@hoard/core/RequestState", {
  defaultValue: () => ({ requestId: "none", rateLimit: undefined })
})
