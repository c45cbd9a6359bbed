import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { Services } from "../Services.ts"
import { Uploader } from "../storeUpload.ts"
import type { ErrorAnswer } from "./toolRequests.ts"
import { entryOf, errorText, readEntry, textAnswer, toolRoute, writeEntry } from "./toolRequests.ts"

/**
 * Nx's self-hosted remote cache (`NX_SELF_HOSTED_REMOTE_CACHE_SERVER`, Nx ≥ 20.8):
 * `GET` and `PUT <server>/v1/cache/<hash>`, the server being `<hoard>/nx/<team>`
 * or, for a token bound to one team, the bare `<hoard>`. What the released
 * client needs (`other-protocols.md` §2.3):
 * - PUT answers 200 (a 202 fails the run), 409 for an existing record (Nx's
 *   records are write-once; the client treats it as done) and 403 for a
 *   read-only token (the client skips the upload);
 * - GET answers only 200 or 404: any other status ends the whole run, so a
 *   refusal or a storage fault is logged and answered as a miss;
 * - every 401 is `text/plain`, its message shown to the user (otherwise the
 *   client reports a misconfigured endpoint).
 * A body shorter than its Content-Length is never stored (the storage port's
 * size check), which matters doubly here: a write-once entry cannot be fixed.
 */

const missing = textAnswer(404, "The record was not found")

const getAnswer: ErrorAnswer = (error, requestId) =>
  error.status === 401
    ? Effect.succeed(errorText(error, requestId))
    : Effect.logWarning("nx GET answered as a miss", { status: error.status, code: error.code, message: error.message }).pipe(
      Effect.as(missing)
    )

const address = entryOf("nx", "nx", ["hash"])

export const NxRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const services = yield* Services
  const store = yield* Uploader
  const get = toolRoute(address, (entry, request) => readEntry(services, request, entry, missing), getAnswer)
  const put = toolRoute(address, (entry, request) =>
    writeEntry(services, store, request, entry, { writeOnce: true }).pipe(Effect.as(HttpServerResponse.empty({ status: 200 }))))
  for (const path of ["/nx/:team/v1/cache/:hash", "/v1/cache/:hash"] as const) {
    yield* router.add("GET", path, get)
    yield* router.add("PUT", path, put)
  }
}))
