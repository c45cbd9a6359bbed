import { Effect } from "effect"
import { HttpRouter } from "effect/http"
import type { HttpApiGroup } from "effect/http-api"
import { Services } from "../Services.ts"
import { getAnalytics } from "./analytics.ts"
import { deleteArtifact, getArtifact, listArtifacts } from "./artifacts.ts"
import { download } from "./downloads.ts"
import { endpointHandler } from "./endpoint.ts"
import type { EndpointShape, ManagementContext, ManagementHandler } from "./endpoint.ts"
import { getEvent, listEvents } from "./events.ts"
import { managementGroups } from "./ManagementApi.ts"
import { makeDownloadSigner } from "./SignedUrls.ts"

type ManagementEndpoint = HttpApiGroup.Endpoints<(typeof managementGroups)[number]>

/** One handler per management endpoint, keyed by its identifier: a missing or extra one does not compile. */
type Handlers = {
  readonly [E in ManagementEndpoint as E["identifier"]]: (context: ManagementContext) => ManagementHandler<E>
}

const handlers: Handlers = {
  listEvents,
  getEvent,
  getAnalytics,
  listArtifacts,
  getArtifact,
  deleteArtifact,
  download
}

type RouterMethod = Parameters<HttpRouter.HttpRouter["add"]>[0]

/**
 * The management API (`/api/v1`) as HttpRouter routes, registered from the
 * endpoints of its HttpApi (`ManagementApi.ts`): each route has exactly the
 * method and path the OpenAPI document gives it, and decodes with its schemas.
 * All but the signed download need a bearer token with a scope on the team.
 */
export const ManagementRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const services = yield* Services
  const context: ManagementContext = { services, signer: makeDownloadSigner(services.config) }
  for (const group of managementGroups) {
    for (const endpoint of Object.values(group.endpoints) as ReadonlyArray<EndpointShape>) {
      const make = handlers[endpoint.identifier as keyof Handlers] as
        | ((context: ManagementContext) => ManagementHandler<EndpointShape>)
        | undefined
      if (make === undefined) return yield* Effect.die(new Error(`no handler for ${endpoint.identifier}`))
      yield* router.add(endpoint.method as RouterMethod, endpoint.path as HttpRouter.PathInput, endpointHandler(endpoint, make(context)))
    }
  }
}))
