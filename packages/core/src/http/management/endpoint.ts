import { Effect, Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { IndexError, InvalidCursor } from "../../index/CacheIndex.ts"
import type { StorageError } from "../../storage/ArtifactStorage.ts"
import type { ApiError } from "../ApiError.ts"
import { searchParams } from "../RequestContext.ts"
import type { Services } from "../Services.ts"
import { decodeParameters, handleManagement } from "./ManagementError.ts"
import type { DownloadSigner } from "./SignedUrls.ts"

/** What every management handler is given besides the request. */
export interface ManagementContext {
  readonly services: Services
  readonly signer: DownloadSigner
}

/** What the routes need of an HttpApi endpoint: its path, method and the schemas of its path and query. */
export interface EndpointShape {
  readonly identifier: string
  readonly method: string
  readonly path: string
  readonly params: Schema.Top | undefined
  readonly query: Schema.Top | undefined
  readonly "~Params": unknown
  readonly "~Query": unknown
}

type PartType<S> = [S] extends [never] ? undefined : S extends Schema.Top ? S["Type"] : undefined

/** A request decoded with its endpoint's `params` and `query` schemas. */
export interface DecodedRequest<E extends EndpointShape> {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly params: PartType<E["~Params"]>
  readonly query: PartType<E["~Query"]>
}

export type ManagementHandler<E extends EndpointShape> = (
  input: DecodedRequest<E>
) => Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError | StorageError | IndexError | InvalidCursor>

/** Query parameters as the HttpApi reads them: one string, or an array when repeated. */
const queryRecord = (request: HttpServerRequest.HttpServerRequest): Record<string, string | Array<string>> => {
  const record: Record<string, string | Array<string>> = {}
  for (const [key, value] of searchParams(request)) {
    const existing = record[key]
    record[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
  }
  return record
}

/**
 * The HttpRouter handler of one endpoint: decodes the path and query with the
 * endpoint's own schemas (400 naming the field), runs the handler, and answers
 * every failure with the management error body.
 */
export const endpointHandler = <E extends EndpointShape>(endpoint: E, handler: ManagementHandler<E>) => {
  const decodeParams = endpoint.params === undefined ? undefined : decodeParameters(endpoint.params, "path")
  const decodeQuery = endpoint.query === undefined ? undefined : decodeParameters(endpoint.query, "query")
  return (request: HttpServerRequest.HttpServerRequest) =>
    handleManagement(
      Effect.gen(function*() {
        const params = decodeParams === undefined ? undefined : yield* decodeParams(yield* HttpRouter.params)
        const query = decodeQuery === undefined ? undefined : yield* decodeQuery(queryRecord(request))
        return yield* handler({ request, params, query } as DecodedRequest<E>)
      })
    )
}

/** A JSON answer encoded with the schema the endpoint documents as its success. */
export const jsonWith = <S extends Schema.Top>(schema: S) => {
  const encode = Schema.encodeSync(Schema.toCodecJson(schema as unknown as Schema.Codec<S["Type"], unknown>))
  return (value: S["Type"], status = 200): HttpServerResponse.HttpServerResponse =>
    HttpServerResponse.jsonUnsafe(encode(value), { status })
}

/**
 * A read of the cache index that sees this replica's own writes: it first
 * waits (briefly) for the writes queued so far, e.g. the upload that just
 * finished. Other replicas' writes show once their writers have applied them
 * (normally within milliseconds).
 */
export const readIndex = <A, E>(services: Services, read: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  services.writer.flush.pipe(
    Effect.timeoutOrElse({ duration: "2 seconds", orElse: () => Effect.void }),
    Effect.andThen(read)
  )
