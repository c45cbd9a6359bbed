import { Effect, Stream } from "effect"
import type { HttpServerRequest } from "effect/http"
import { badRequest, payloadTooLarge } from "./ApiError.ts"
import type { ApiError } from "./ApiError.ts"

/**
 * The request body of an upload. Its length is not counted here: storage
 * adapters are given the declared size and must refuse any other (the
 * conformance kit checks it), and the transports enforce Content-Length.
 */
export const uploadBody = (request: HttpServerRequest.HttpServerRequest): Stream.Stream<Uint8Array, ApiError> =>
  request.stream.pipe(
    Stream.mapError(() => badRequest("the upload was interrupted before the whole body arrived"))
  )

/** Reads a small JSON body, refusing more than `maxBytes`. */
export const readJsonBody = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number
): Effect.Effect<unknown, ApiError> =>
  Effect.gen(function*() {
    const declared = request.headers["content-length"]
    if (declared !== undefined && Number(declared) > maxBytes) {
      return yield* payloadTooLarge(`the JSON body is larger than ${maxBytes} bytes`)
    }
    const chunks: Array<Uint8Array> = []
    let total = 0
    yield* request.stream.pipe(
      Stream.mapError(() => badRequest("the request body could not be read")),
      Stream.runForEach((chunk) => {
        total += chunk.byteLength
        if (total > maxBytes) return Effect.fail(payloadTooLarge(`the JSON body is larger than ${maxBytes} bytes`))
        chunks.push(chunk)
        return Effect.void
      })
    )
    const text = new TextDecoder().decode(concatBytes(chunks, total))
    if (text.trim() === "") return yield* badRequest("the request body is empty: a JSON body is required")
    return yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) => badRequest(`the request body is not valid JSON: ${(error as Error).message}`)
    })
  })

const concatBytes = (chunks: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
