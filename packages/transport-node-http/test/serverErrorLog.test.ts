import { createServer } from "node:http"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Exit, Layer, Logger, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ArtifactStorage, Hoard, makeHoardApp } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { fullDisk, fullDiskPath as storagePath } from "@hoard/transport-testkit"

/** Every log line the server writes, as the JSON logger prints it. */
const logLines: Array<string> = []
const collector = Logger.make((options) => void logLines.push(Logger.formatJson.log(options)))

describe("a 5xx keeps the cause in the log, under the request id", () => {
  const scope = Scope.makeUnsafe()
  let server: Server
  let base: string

  beforeAll(async () => {
    const handler = await Effect.runPromise(
      Layer.buildWithScope(
        Layer.mergeAll(
          Hoard.layer({
            storage: Layer.succeed(ArtifactStorage, fullDisk),
            index: SqliteIndex.layer({ filename: ":memory:" }),
            tokens: ["t"],
            reconcile: false
          }),
          Logger.layer([collector])
        ),
        scope
      ).pipe(
        Effect.flatMap((services) =>
          Effect.flatMap(makeHoardApp(), (app) => NodeHttpServer.makeHandler(app, { scope })).pipe(
            Effect.provideContext(services)
          )
        ),
        Scope.provide(scope)
      )
    )
    server = createServer(handler)
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v8/artifacts`
  })
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
    await Effect.runPromise(Scope.close(scope, Exit.void))
  })

  it("the client gets a fixed message and the id; the log line with that id has the path and errno", async () => {
    const response = await fetch(`${base}/abcdef?slug=team-a`, { headers: { authorization: "Bearer t" } })
    expect(response.status).toBe(503)
    const requestId = response.headers.get("x-request-id")
    expect(requestId).toBeTruthy()
    const text = await response.text()
    expect(text).not.toContain(storagePath)
    expect(text).not.toContain("ENOSPC")
    expect(JSON.parse(text)).toEqual({
      error: { code: "storage_unavailable", message: expect.any(String), requestId }
    })

    const line = logLines.find((line) => line.includes("storage failed to read the artifact"))
    expect(line, logLines.join("\n")).toBeDefined()
    const logged = JSON.parse(line!) as { annotations: Record<string, unknown> }
    expect(logged.annotations.requestId).toBe(requestId)
    expect(line).toContain(storagePath)
    expect(line).toContain("ENOSPC")
  })
})
