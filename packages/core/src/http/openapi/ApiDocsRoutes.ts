import { Effect, Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { HttpApiScalar, OpenApi } from "effect/http-api"
import { HoardConfig } from "../../HoardConfig.ts"
import { publicBaseUrl } from "../management/publicUrl.ts"
import { HoardApi } from "./HoardApi.ts"

/** The OpenAPI 3.1 document of everything Hoard serves, generated from `HoardApi`. */
export const openApiDocument = (): OpenApi.OpenAPISpec => OpenApi.fromApi(HoardApi)

/**
 * `GET /openapi.json` (the document, with this server's URL in `servers`) and
 * `GET /docs` (a Scalar reference page; its script is bundled in effect and
 * inlined, no CDN). Both are built on their first request: a server nobody
 * reads the docs of never loads the 3 MB script. No token needed.
 */
export const ApiDocsRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const config = yield* HoardConfig
  const scope = yield* Effect.scope
  // Generated on the first request (about 20 ms), not at every start.
  let document: OpenApi.OpenAPISpec | undefined
  const documentJson = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.sync(() =>
      HttpServerResponse.jsonUnsafe({
        ...(document ??= openApiDocument()),
        servers: [{ url: publicBaseUrl(request, config.publicUrl), description: "This Hoard server" }]
      })
    )
  yield* router.add("GET", "/openapi.json", documentJson)

  const api = config.publicUrl === undefined
    ? HoardApi
    : HoardApi.annotateMerge(OpenApi.annotations({ servers: [{ url: config.publicUrl.replace(/\/+$/u, "") }] }))
  const docsPage = yield* Effect.cached(
    HttpRouter.toHttpEffect(HttpApiScalar.layer(api, { path: "/docs", scalar: { hideModels: false } })).pipe(
      Scope.provide(scope)
    )
  )
  yield* router.add("GET", "/docs", Effect.flatten(docsPage))
}))
