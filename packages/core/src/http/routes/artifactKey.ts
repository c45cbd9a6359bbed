import { Effect } from "effect"
import { HttpRouter } from "effect/http"
import type { Team } from "../../access/Team.ts"
import { isTurboHash, TurboHash } from "../../domain/ArtifactHash.ts"
import type { ArtifactKey } from "../../storage/ArtifactStorage.ts"
import type { ApiError } from "../ApiError.ts"
import { decodeOrBadRequest } from "../decode.ts"

const decodeHash = decodeOrBadRequest(TurboHash, "artifact hash")

/** The artifact a `/v8/artifacts/:hash` request addresses, in its team's namespace. */
export const artifactKey = (team: Team): Effect.Effect<ArtifactKey, ApiError, HttpRouter.RouteContext> =>
  Effect.flatMap(HttpRouter.params, ({ hash }) =>
    hash !== undefined && isTurboHash(hash)
      ? Effect.succeed({ namespace: team.id, hash })
      : Effect.map(decodeHash(hash), (decoded) => ({ namespace: team.id, hash: decoded })))
