import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { AllRoutes, Hoard } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { MemoryStorage } from "@hoard/storage-memory"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { TestServer } from "./harness.ts"
import { access, startServer } from "./harness.ts"

const methods = ["get", "put", "post", "delete", "options", "head", "patch"] as const

/** Every `METHOD /path` the route layers register, read through a recording router. */
const registeredRoutes = (): Promise<Array<string>> => {
  const program = Effect.scoped(Effect.gen(function*() {
    const routes: Array<string> = []
    const recording = Layer.effect(
      HttpRouter.HttpRouter,
      Effect.map(HttpRouter.make, (router) =>
        HttpRouter.HttpRouter.of({
          ...router,
          add: (method, path, handler, options) => {
            routes.push(`${method} ${path}`)
            return router.add(method, path, handler, options)
          },
          addAll: (added) => {
            for (const route of added) routes.push(`${route.method} ${route.path}`)
            return router.addAll(added)
          }
        }))
    )
    yield* Layer.build(
      AllRoutes.pipe(
        Layer.provide(recording),
        Layer.provide(Hoard.layer({ storage: MemoryStorage.layer(), index: SqliteIndex.layer({ filename: ":memory:" }), access }))
      )
    )
    return routes
  }))
  // What is left in the type are the routes' error markers, which only the HTTP app handles.
  return Effect.runPromise(program as Effect.Effect<Array<string>>)
}

/** `METHOD /path/{param}` for each operation of the document. */
const documentedOperations = (document: any): Array<string> =>
  Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    methods.filter((method) => item[method] !== undefined).map((method) => `${method.toUpperCase()} ${path}`)
  )

/** Whether a router route (`:param`, trailing `*`) serves a documented operation (`{param}`; HEAD is served by GET). */
const serves = (route: string, operation: string): boolean => {
  const [routeMethod, routePath] = route.split(" ") as [string, string]
  const [operationMethod, operationPath] = operation.split(" ") as [string, string]
  const method = operationMethod === "HEAD" ? "GET" : operationMethod
  if (routeMethod !== method) return false
  const asTemplate = routePath.replace(/:([A-Za-z0-9_]+)/gu, "{$1}")
  if (asTemplate.endsWith("/*")) return operationPath.startsWith(asTemplate.slice(0, -1))
  return asTemplate === operationPath
}

describe("the OpenAPI document and the docs page", () => {
  let server: TestServer
  let document: any

  beforeAll(async () => {
    server = await startServer()
    const response = await fetch(`${server.url}/openapi.json`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("application/json")
    document = await response.json()
  })
  afterAll(() => server.close())

  it("is OpenAPI 3.1 with this server's URL, and needs no token", () => {
    expect(document.openapi).toBe("3.1.0")
    expect(document.info).toMatchObject({ title: "Hoard" })
    expect(document.servers).toEqual([{ url: server.url, description: expect.any(String) }])
  })

  it("documents every route the server registers, and nothing else (no drift)", async () => {
    const routes = await registeredRoutes()
    const operations = documentedOperations(document)
    expect(routes.length).toBeGreaterThan(15)
    const undocumented = routes.filter((route) => !operations.some((operation) => serves(route, operation)))
    const unserved = operations.filter((operation) => !routes.some((route) => serves(route, operation)))
    expect(undocumented).toEqual([])
    expect(unserved).toEqual([])
  })

  it("every documented operation reaches a route of the running server", async () => {
    const samples: Record<string, string> = { hash: "0123abcd", team: "alpha", teamId: "team_alpha", id: "some-id" }
    for (const operation of documentedOperations(document)) {
      const [method, path] = operation.split(" ") as [string, string]
      const url = `${server.url}${path.replace(/\{([^}]+)\}/gu, (_, name: string) => samples[name] ?? "x")}`
      const response = await fetch(url, { method })
      const text = method === "HEAD" ? "" : await response.text()
      expect(text, operation).not.toContain("no route for")
      expect([404, 405].includes(response.status) && text === "", operation).toBe(false)
    }
  })

  it("marks the bearer scheme on every endpoint that needs a token, and only there", () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http" })
    expect(document.components.securitySchemes.bearer.scheme.toLowerCase()).toBe("bearer")
    const open = new Set(["GET /openapi.json", "GET /docs", "GET /api/v1/downloads/{team}/{hash}", "OPTIONS /v8/artifacts/{hash}", "GET /healthz", "GET /readyz"])
    for (const operation of documentedOperations(document)) {
      const [method, path] = operation.split(" ") as [string, string]
      const security = document.paths[path][method.toLowerCase()].security
      if (open.has(operation)) expect(security, operation).toEqual([])
      else expect(security, operation).toEqual([{ bearer: [] }])
    }
  })

  it("uses the schemas the handlers validate with", () => {
    const download = document.paths["/v8/artifacts/{hash}"].get
    const hash = download.parameters.find((parameter: any) => parameter.name === "hash")
    expect(hash.schema).toMatchObject({ type: "string", pattern: "^[a-fA-F0-9]+$", maxLength: 128 })
    const uploadHeaders = document.paths["/v8/artifacts/{hash}"].put.parameters.filter((p: any) => p.in === "header")
    expect(uploadHeaders.find((p: any) => p.name === "x-artifact-tag").schema).toMatchObject({ maxLength: 600 })
    const events = document.paths["/v8/artifacts/events"].post.requestBody.content["application/json"].schema
    expect(JSON.stringify(events)).toContain("sessionId")
    const listEvents = document.paths["/api/v1/teams/{team}/events"].get
    expect(listEvents.parameters.map((parameter: any) => parameter.name).sort()).toEqual(
      ["cursor", "from", "limit", "team", "to", "type"]
    )
    expect(Object.keys(listEvents.responses).sort()).toEqual(["200", "400", "401", "403", "429", "503"])
    expect(listEvents.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/EventsPage" })
    expect(JSON.stringify(document.components.schemas.EventsPage)).toContain("artifact.upload_started")
    expect(listEvents.responses["400"].description).toContain("details.field")
    expect(Object.keys(document.components.schemas).filter((name) => name.startsWith("ManagementError"))).toEqual(
      ["ManagementError"]
    )
    expect(document.components.schemas.ManagementError.required.sort()).toEqual(
      ["details", "error_code", "message", "request_id"]
    )
    expect(Object.keys(document.paths["/api/v1/downloads/{team}/{hash}"].get.responses)).toContain("410")
  })

  it("serves the docs page as HTML with the reference inlined (no CDN)", async () => {
    const response = await fetch(`${server.url}/docs`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/html")
    const html = await response.text()
    expect(html).toContain("api-reference")
    expect(html).toContain("/api/v1/teams/{team}/events")
    expect(html).not.toMatch(/<script[^>]*\ssrc=/u)
  })
})
