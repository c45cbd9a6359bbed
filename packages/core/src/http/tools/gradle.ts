import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { Services } from "../Services.ts"
import { Uploader } from "../storeUpload.ts"
import type { ErrorAnswer } from "./toolRequests.ts"
import { challengingErrors, entryOf, noSuchEntry, readEntry, textAnswer, toolRoute, writeEntry } from "./toolRequests.ts"

/**
 * Gradle's HTTP build cache (`HttpBuildCache`, `url = "<hoard>/gradle/<team>/"`):
 * `GET` and `PUT <url><key>` with HTTP Basic credentials, the password being a
 * Hoard token. A hit is 200, a miss 404, a stored entry any 2xx. Gradle turns
 * its remote cache off for the rest of the build on any other code; current
 * releases take 413 as "this entry was refused" and go on (4.4 does not): so
 * an entry the cache has no room for (507 elsewhere) or a team over its quota
 * (403 elsewhere) is a 413 here, and the build keeps reading. Gradle sends
 * Basic credentials unasked; a 401 carries the challenge anyway.
 */

const answer: ErrorAnswer = (error, requestId) =>
  error.status === 507 || error.code === "remote_caching_over_limit"
    ? Effect.succeed(textAnswer(413, error.message))
    : challengingErrors(error, requestId)

const address = entryOf("gradle", "gradle", ["key"])

export const GradleRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const services = yield* Services
  const store = yield* Uploader
  yield* router.add("GET", "/gradle/:team/:key", toolRoute(address, (entry, request) => readEntry(services, request, entry, noSuchEntry), answer))
  yield* router.add(
    "PUT",
    "/gradle/:team/:key",
    toolRoute(address, (entry, request) => writeEntry(services, store, request, entry).pipe(Effect.as(HttpServerResponse.empty({ status: 200 }))), answer)
  )
}))
