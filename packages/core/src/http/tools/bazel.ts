import { createHash } from "node:crypto"
import { Effect, Stream } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { badRequest } from "../ApiError.ts"
import type { ApiError } from "../ApiError.ts"
import { Services } from "../Services.ts"
import { Uploader } from "../storeUpload.ts"
import type { ToolEntry } from "./toolRequests.ts"
import { challengingErrors, entryOf, noSuchEntry, readEntry, toolRoute, writeEntry } from "./toolRequests.ts"

/**
 * Bazel's HTTP remote cache (`--remote_cache=http://<hoard>/bazel/<team>`):
 * `GET` and `PUT <url>/ac/<sha256>` (action results) and `<url>/cas/<sha256>`
 * (content). A miss is 404, a stored entry 200. A content upload is checked
 * as it streams: its SHA-256 must be the key (and its size the
 * Content-Length), else 400 and nothing is stored, so no client can poison
 * the content store. A 401 carries a Basic challenge: Bazel retries once
 * after one. Action results are stored as sent (not decoded as protobufs).
 */

const sha256Hex = /^[a-f0-9]{64}$/u

/** The SHA-256 of no bytes: Bazel may ask for the empty blob without ever uploading it. */
const emptyDigest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const digestOf = (entry: ToolEntry): string => entry.hash.slice(entry.hash.lastIndexOf("-") + 1)

/** Bazel's keys are lowercase SHA-256 hex digests. */
const addressOf = (kind: "bazel-ac" | "bazel-cas") =>
  Effect.flatMap(entryOf("bazel", kind, ["hash"]), (entry) =>
    sha256Hex.test(digestOf(entry))
      ? Effect.succeed(entry)
      : Effect.fail(badRequest("invalid digest: a Bazel cache key is 64 lowercase hex characters (SHA-256)")))

/** Fails the upload at its end unless its bytes hash to `digest`. */
const requireDigest = (digest: string) => (body: Stream.Stream<Uint8Array, ApiError>): Stream.Stream<Uint8Array, ApiError> =>
  Stream.suspend(() => {
    const hash = createHash("sha256")
    return body.pipe(
      Stream.tap((chunk) => Effect.sync(() => hash.update(chunk))),
      Stream.concat(Stream.fromEffectDrain(Effect.suspend(() => {
        const actual = hash.digest("hex")
        return actual === digest
          ? Effect.void
          : Effect.fail(badRequest(`the content's SHA-256 is ${actual}, not the key ${digest}: not stored`))
      })))
    )
  })

export const BazelRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const services = yield* Services
  const store = yield* Uploader
  const stored = HttpServerResponse.empty({ status: 200 })
  for (const kind of ["bazel-ac", "bazel-cas"] as const) {
    const path = kind === "bazel-ac" ? "/bazel/:team/ac/:hash" as const : "/bazel/:team/cas/:hash" as const
    const address = addressOf(kind)
    yield* router.add(
      "GET",
      path,
      toolRoute(address, (entry, request) =>
        kind === "bazel-cas" && digestOf(entry) === emptyDigest
          ? Effect.succeed(HttpServerResponse.uint8Array(new Uint8Array(0), { status: 200 }))
          : readEntry(services, request, entry, noSuchEntry), challengingErrors)
    )
    yield* router.add(
      "PUT",
      path,
      toolRoute(address, (entry, request) =>
        writeEntry(services, store, request, entry, kind === "bazel-cas" ? { check: requireDigest(digestOf(entry)) } : {}).pipe(
          Effect.as(stored)
        ), challengingErrors)
    )
  }
}))
