import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { Services } from "../Services.ts"
import { Uploader } from "../storeUpload.ts"
import { challengingErrors, deleteEntry, entryOf, noSuchEntry, readEntry, toolRoute, writeEntry } from "./toolRequests.ts"

/**
 * ccache's HTTP remote storage (`remote_storage = http://<hoard>/ccache/<team>`,
 * ccache ≥ 4.4): `GET`, `HEAD`, `PUT` and `DELETE <url>/<key>`, in its default
 * `subdirs` layout (`ab/cdef…`) or `flat` (`abcdef…`); both name the same entry.
 * (Its `bazel` layout, `ac/<key>`, is a two-character subdirectory too, so it
 * works as well, as another set of entries.) Credentials are the URL's
 * `user:token@` (Basic) or `|bearer-token=<token>`. ccache takes any non-2xx
 * as a miss or a failed write and goes on building.
 */

const layouts = [
  { path: "/ccache/:team/:shard/:rest" as const, address: entryOf("ccache", "ccache", ["shard", "rest"]) },
  { path: "/ccache/:team/:key" as const, address: entryOf("ccache", "ccache", ["key"]) }
]

export const CcacheRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const services = yield* Services
  const store = yield* Uploader
  for (const { address, path } of layouts) {
    yield* router.add("GET", path, toolRoute(address, (entry, request) => readEntry(services, request, entry, noSuchEntry), challengingErrors))
    yield* router.add(
      "PUT",
      path,
      toolRoute(address, (entry, request) => writeEntry(services, store, request, entry).pipe(Effect.as(HttpServerResponse.empty({ status: 200 }))), challengingErrors)
    )
    yield* router.add(
      "DELETE",
      path,
      toolRoute(address, (entry, request) =>
        // 200 whether or not it was there: ccache counts a failed DELETE as an error and skips the rest of that compile's writes.
        deleteEntry(services, request, entry).pipe(Effect.as(HttpServerResponse.empty({ status: 200 }))), challengingErrors)
    )
  }
}))
