import { describe, expect, it } from "vitest"
import { Effect, Layer, Option, Scope, Stream } from "effect"
import { HttpEffect } from "effect/http"
import { ArtifactStorage, Hoard, makeHoardApp, StorageError } from "@hoard/core"
import type { ArtifactStorageShape } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"

const fault = (operation: StorageError["operation"]) =>
  new StorageError({ operation, message: "backend unreachable (connect ECONNREFUSED)" })

/** A backend that is down: every operation fails. */
const downStorage: ArtifactStorageShape = {
  put: () => Effect.fail(fault("put")),
  get: () => Effect.fail(fault("get")),
  head: () => Effect.fail(fault("head")),
  delete: () => Effect.fail(fault("delete")),
  list: () => Stream.fail(fault("list")),
  namespaces: Stream.fail(fault("namespaces")),
  check: Effect.fail(fault("check"))
}

/** A backend whose reads break after the first chunk. */
const brokenReadStorage: ArtifactStorageShape = {
  ...downStorage,
  get: () =>
    Effect.succeed(Option.some({
      info: { size: 10, createdAt: 0, metadata: { durationMs: 1 } },
      body: Stream.concat(Stream.make(new Uint8Array(4)), Stream.fail(fault("get")))
    }))
}

/** A backend that finds the artifact but cannot read its bytes (a cloud store gone between metadata and body). */
const unreadableStorage: ArtifactStorageShape = {
  ...downStorage,
  get: () =>
    Effect.succeed(Option.some({
      info: { size: 10, createdAt: 0, metadata: { durationMs: 1 } },
      body: Stream.fail(fault("get"))
    }))
}

const handlerFor = (storage: ArtifactStorageShape) =>
  Effect.runPromise(
    makeHoardApp().pipe(
      Effect.map(HttpEffect.toWebHandler),
      Effect.provide(Hoard.layer({
        storage: Layer.succeed(ArtifactStorage, storage),
        index: SqliteIndex.layer({ filename: ":memory:" }),
        tokens: ["t"],
        reconcile: false
      })),
      Scope.provide(Scope.makeUnsafe())
    )
  )

const auth = { authorization: "Bearer t" }
const url = (path: string) => `http://hoard.test/v8/artifacts${path}`

describe("storage faults", () => {
  it("answer 503 with the JSON error body, never a miss", async () => {
    const handle = await handlerFor(downStorage)
    const requests = [
      new Request(url("/abc?slug=t"), { headers: auth }),
      new Request(url("/abc?slug=t"), { method: "HEAD", headers: auth }),
      new Request(url("/abc?slug=t"), {
        method: "PUT",
        headers: { ...auth, "content-type": "application/octet-stream", "content-length": "3" },
        body: "abc"
      }),
      new Request(url("?slug=t"), { method: "POST", headers: auth, body: JSON.stringify({ hashes: ["abc"] }) })
    ]
    for (const request of requests) {
      const response = await handle(request)
      expect(response.status, request.method).toBe(503)
      if (request.method !== "HEAD") {
        const body = await response.json() as { error: { code: string; message: string; requestId: string } }
        expect(body.error.code).toBe("storage_unavailable")
        // The cause is for the log, under the request id the client is given.
        expect(body.error.message).not.toContain("ECONNREFUSED")
        expect(body.error.requestId).toBe(response.headers.get("x-request-id"))
      }
    }
  })

  it("answer 503 when the bytes fail before the first chunk, not a 200 cut short", async () => {
    const handle = await handlerFor(unreadableStorage)
    const response = await handle(new Request(url("/abc?slug=t"), { headers: auth }))
    expect(response.status).toBe(503)
    const body = await response.json() as { error: { code: string; message: string } }
    expect(body.error.code).toBe("storage_unavailable")
    expect(body.error.message).not.toContain("ECONNREFUSED")
  })

  it("cut a download off mid-stream instead of ending it as if complete", async () => {
    const handle = await handlerFor(brokenReadStorage)
    const response = await handle(new Request(url("/abc?slug=t"), { headers: auth }))
    expect(response.status).toBe(200)
    expect(response.headers.get("content-length")).toBe("10")
    await expect(response.arrayBuffer()).rejects.toThrow()
  })
})
