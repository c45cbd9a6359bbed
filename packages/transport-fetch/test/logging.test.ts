import { describe, expect, it } from "vitest"
import { Effect, Layer, Logger, References, Scope, Stream } from "effect"
import { ArtifactStorage, Hoard, StorageError } from "@hoard/core"
import type { ArtifactStorageShape } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { makeFetchHandler } from "@hoard/transport-fetch"

const fault = new StorageError({ operation: "get", message: "backend unreachable" })
const downStorage: ArtifactStorageShape = {
  put: () => Effect.fail(fault),
  get: () => Effect.fail(fault),
  head: () => Effect.fail(fault),
  delete: () => Effect.fail(fault),
  list: () => Stream.fail(fault),
  namespaces: Stream.fail(fault),
  check: Effect.fail(fault)
}

describe("the fetch handler's logging", () => {
  it("goes through the logger of the context it was made in, with the request id", async () => {
    const lines: Array<{ readonly message: unknown; readonly requestId: unknown }> = []
    const capture = Logger.make(({ fiber, message }) => {
      lines.push({ message, requestId: fiber.getRef(References.CurrentLogAnnotations)["requestId"] })
    })
    const handle = await Effect.runPromise(
      makeFetchHandler().pipe(
        Effect.provide(Hoard.layer({
          storage: Layer.succeed(ArtifactStorage, downStorage),
          index: SqliteIndex.layer({ filename: ":memory:" }),
          tokens: ["t"],
          reconcile: false
        })),
        Effect.provide(Logger.layer([capture])),
        Scope.provide(Scope.makeUnsafe())
      )
    )
    const response = await handle(new Request("http://hoard.test/v8/artifacts/abc?slug=t", { headers: { authorization: "Bearer t" } }))
    expect(response.status).toBe(503)
    const requestId = response.headers.get("x-request-id")
    const texts = lines.map(({ message }) => JSON.stringify(message))
    expect(texts.some((text) => text.includes("backend unreachable")), texts.join("\n")).toBe(true)
    expect(texts.some((text) => text.includes("GET /v8/artifacts/:hash 503")), texts.join("\n")).toBe(true)
    expect(lines.every((line) => line.requestId === requestId)).toBe(true)
  })
})
