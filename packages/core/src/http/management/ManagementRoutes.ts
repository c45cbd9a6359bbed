import { Layer } from "effect"
import { HttpServer } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { AnalyticsHandlers } from "./analytics.ts"
import { ArtifactsHandlers } from "./artifacts.ts"
import { DownloadsHandlers } from "./downloads.ts"
import { EventsHandlers } from "./events.ts"
import { ManagementApi } from "./ManagementApi.ts"
import { layerManagementAuth } from "./ManagementAuth.ts"
import { layerManagementErrors } from "./ManagementError.ts"
import { RetentionHandlers } from "./retention.ts"

/**
 * The management API (`/api/v1`) as HttpRouter routes, built by HttpApi from
 * its description (`ManagementApi`): each route has exactly the method, path
 * and schemas the OpenAPI document gives it. The handlers take their services
 * from the context.
 */
export const ManagementRoutes = HttpApiBuilder.layer(ManagementApi).pipe(
  Layer.provide([EventsHandlers, AnalyticsHandlers, ArtifactsHandlers, RetentionHandlers, DownloadsHandlers]),
  Layer.provide([layerManagementAuth, layerManagementErrors]),
  // HttpApiBuilder asks for the services a handler answering with a file
  // (`HttpServerResponse.file`) would use. None of these does (they answer
  // with JSON or a storage stream), so the stand-ins (a no-op file system)
  // keep the app needing nothing but the Hoard services.
  Layer.provide(HttpServer.layerServices)
)
