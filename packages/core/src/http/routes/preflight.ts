import { HttpServerResponse } from "effect/http"

/**
 * `OPTIONS` for turbo's preflight mode (`--preflight`). turbo only sends
 * `Authorization` on the follow-up request when it is listed here.
 */
export const preflight = HttpServerResponse.empty({
  status: 204,
  headers: {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, HEAD, PUT, POST, OPTIONS",
    "access-control-allow-headers":
      "Authorization, Content-Type, User-Agent, x-artifact-duration, x-artifact-tag, x-artifact-sha, x-artifact-dirty-hash, x-artifact-client-ci",
    "access-control-max-age": "600"
  }
})
