import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"

/** `Authorization: Bearer <token>`: the one security scheme of the OpenAPI document. */
export const bearerSecurity = HttpApiSecurity.bearer.pipe(
  HttpApiSecurity.annotate(OpenApi.Description, "A configured token (or a JWT, when enabled), sent as `Authorization: Bearer <token>`")
)

/**
 * Marks the turbo endpoints (`/v8`, `/v2`) that need a bearer token, for the
 * OpenAPI document. Their lean router checks tokens itself
 * (`authenticate`/`authorizeTeam`), so this middleware is never run; the
 * management API's `ManagementAuth` is the one HttpApi runs.
 */
export class BearerToken extends HttpApiMiddleware.Service<BearerToken>()("@hoard/core/BearerToken", {
  security: { bearer: bearerSecurity }
}) {}
