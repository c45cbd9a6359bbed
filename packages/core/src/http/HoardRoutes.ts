import { Effect } from "effect"
import { HttpRouter } from "effect/http"
import * as Account from "./routes/account.ts"
import { download } from "./routes/download.ts"
import { events } from "./routes/events.ts"
import { preflight } from "./routes/preflight.ts"
import { query } from "./routes/query.ts"
import { status } from "./routes/status.ts"
import { upload } from "./routes/upload.ts"
import { Services } from "./Services.ts"
import { Uploader } from "./storeUpload.ts"

/**
 * The Turborepo Remote Cache API (`/v8/artifacts`) and the account endpoints
 * `turbo link` uses (`/v2`), as HttpRouter routes. The static paths `status`
 * and `events` are matched before `:hash`.
 */
export const HoardRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const services = yield* Services
  const store = yield* Uploader
  yield* router.add("GET", "/v8/artifacts/status", status(services))
  yield* router.add("POST", "/v8/artifacts/events", events(services))
  yield* router.add("POST", "/v8/artifacts", query(services))
  yield* router.add("GET", "/v8/artifacts/:hash", download(services))
  yield* router.add("PUT", "/v8/artifacts/:hash", upload(services, store))
  yield* router.add("OPTIONS", "/v8/artifacts/*", preflight)
  yield* router.add("GET", "/v2/user", Account.user(services))
  yield* router.add("GET", "/v2/teams", Account.teams(services))
  yield* router.add("GET", "/v2/teams/:teamId", Account.team(services))
}))
