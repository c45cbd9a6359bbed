import { Context } from "effect"
import type { RateLimitState } from "../access/RateLimits.ts"

/**
 * What the app learns about a request while routing it and adds to the
 * response, the access log and the request's span: its id, the token's
 * rate-limit standing, the route that matched, and the team and token it
 * acted as. The app provides a fresh one per request; outside it (e.g. in
 * tests of a handler) a throwaway default applies.
 */
export interface RequestStateShape {
  readonly requestId: string
  /** The request target as the client sent it (before the base path is stripped). */
  readonly url: string
  rateLimit: RateLimitState | undefined
  /** The template of the route that matched, e.g. `/v8/artifacts/:hash`; `undefined` until one does. */
  route: string | undefined
  /** The slug of the team the request addressed, once resolved. */
  team: string | undefined
  /** The name of the token it authenticated with (never the token). */
  tokenName: string | undefined
}

/** A fresh state for a request with this id and target. */
export const makeRequestState = (requestId: string, url: string): RequestStateShape => ({
  requestId,
  url,
  rateLimit: undefined,
  route: undefined,
  team: undefined,
  tokenName: undefined
})

export const RequestState = Context.Reference<RequestStateShape>("@hoard/core/RequestState", {
  defaultValue: () => makeRequestState("none", "")
})
