import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"

/**
 * `Authorization: Bearer <token>`, as documented in the OpenAPI document.
 * Hoard's routes check tokens themselves (`authenticate`/`authorizeTeam`):
 * this middleware only marks which endpoints need one, and is never run.
 */
export class BearerToken extends HttpApiMiddleware.Service<BearerToken>()("@hoard/core/BearerToken", {
  security: {
    bearer: HttpApiSecurity.bearer.pipe(
      HttpApiSecurity.annotate(OpenApi.Description, "A configured token (or a JWT, when enabled), sent as `Authorization: Bearer <token>`")
    )
  }
}) {}
