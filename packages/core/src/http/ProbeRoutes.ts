import { Duration, Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { CacheIndex } from "../index/CacheIndex.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"

/** How long `/readyz` waits for each dependency: a probe must answer before the prober gives up. */
const checkTimeout = Duration.seconds(2)

const noStore = { "cache-control": "no-store" }

type CheckResult = "ok" | "failing"

/** Runs one dependency's check; a failure (or a timeout) is logged with its cause and answered as `failing`. */
const probe = (part: string, check: Effect.Effect<void, unknown>): Effect.Effect<CheckResult> =>
  check.pipe(
    Effect.timeout(checkTimeout),
    Effect.as("ok" as const),
    Effect.catchCause((cause) =>
      Effect.logWarning(`readiness check failed: ${part}`, cause).pipe(Effect.as("failing" as const))
    )
  )

/**
 * Probes for a load balancer or Kubernetes, outside the team routes and
 * without auth. `/healthz`: the process answers (no I/O). `/readyz`: storage
 * and the cache index answer their `check`; 503 names the failing part, never
 * the error (that goes to the log).
 */
export const ProbeRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const storage = yield* ArtifactStorage
  const index = yield* CacheIndex
  yield* router.add("GET", "/healthz", HttpServerResponse.jsonUnsafe({ status: "ok" }, { headers: noStore }))
  yield* router.add(
    "GET",
    "/readyz",
    Effect.gen(function*() {
      const [storageResult, indexResult] = yield* Effect.all([probe("storage", storage.check), probe("index", index.check)], {
        concurrency: 2
      })
      const checks = { storage: storageResult, index: indexResult }
      const failing = Object.entries(checks).filter(([, result]) => result === "failing").map(([part]) => part)
      return failing.length === 0
        ? HttpServerResponse.jsonUnsafe({ status: "ready", checks }, { headers: noStore })
        : HttpServerResponse.jsonUnsafe({ status: "unavailable", failing, checks }, { status: 503, headers: noStore })
    })
  )
}))
