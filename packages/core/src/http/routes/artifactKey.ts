import { Effect } from "effect"
import { HttpRouter } from "effect/http"
import type { Team } from "../../access/Team.ts"
import { ArtifactHash } from "../../domain/ArtifactHash.ts"
import type { ArtifactKey } from "../../storage/ArtifactStorage.ts"
import type { ApiError } from "../ApiError.ts"
import { decodeOrBadRequest } from "../decode.ts"

const decodeHash = decodeOrBadRequest(ArtifactHash, "artifact hash")

/** The artifact a `/v8/artifacts/:hash` request addresses, in its team's namespace. */
export const artifactKey = (team: Team): Effect.Effect<ArtifactKey, ApiError, HttpRouter.RouteContext> =>
  Effect.flatMap(HttpRouter.params, (params) =>
    Effect.map(decodeHash(params["hash"]), (hash) => ({ namespace: team.id, hash })))
