import { Context, Effect, Stream } from "effect"
import type { HttpServerRequest } from "effect/http"
import type { HoardConfigShape } from "../HoardConfig.ts"
import { ApiError, badRequest, payloadTooLarge } from "./ApiError.ts"
import { clip } from "./decode.ts"

/** How a transport reads an upload's body. */
export interface BodyReader {
  /** The body's bytes as they arrive. */
  readonly stream: (request: HttpServerRequest.HttpServerRequest) => Stream.Stream<Uint8Array, unknown>
  /**
   * The whole body in one piece, for small uploads (at most `wholeBodyLimit`
   * bytes). Interrupted, it stops reading and leaves the rest of the body to
   * the platform, so an error answer can still be sent on the connection.
   */
  readonly whole: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Uint8Array, unknown>
}

/**
 * The largest upload read whole (`BodyReader.whole`) rather than streamed:
 * what an upload may hold in memory before storage sees it. One piece costs
 * far less per upload than a stream's pulls, and storage-fs writes a body of
 * this size in one go anyway.
 */
export const wholeBodyLimit = 64 * 1024

/** The platform's own reading: `request.stream` and `request.arrayBuffer`. */
export const platformBodyReader: BodyReader = {
  stream: (request) => request.stream,
  whole: (request) => Effect.map(request.arrayBuffer, (bytes) => new Uint8Array(bytes))
}

/**
 * How uploads' bodies are read: `platformBodyReader`, unless the transport
 * provides a cheaper way for its server (the node:http transport reads
 * Node's `data` events). Read once, when the app's uploader is built.
 */
export const UploadBodyReader = Context.Reference<BodyReader>("@hoard/core/UploadBodyReader", {
  defaultValue: () => platformBodyReader
})

const interrupted = () => badRequest("the upload was interrupted before the whole body arrived")

/**
 * The request body of an upload. Its length is not counted here: storage
 * adapters are given the declared size and must refuse any other (the
 * conformance kit checks it), and the transports enforce Content-Length.
 */
export const uploadBody = (request: HttpServerRequest.HttpServerRequest, read: BodyReader): Stream.Stream<Uint8Array, ApiError> =>
  read.stream(request).pipe(Stream.mapError(interrupted))

/** The whole body of a small upload (see `uploadBody`). */
export const wholeUploadBody = (request: HttpServerRequest.HttpServerRequest, read: BodyReader): Effect.Effect<Uint8Array, ApiError> =>
  read.whole(request).pipe(Effect.mapError(interrupted))

/**
 * How large a JSON body an endpoint accepts. turbo's bodies are small and flat
 * (ten events, or `{"hashes":[...]}`), so each endpoint states its own bounds,
 * checked over the raw bytes before `JSON.parse` allocates anything: a body
 * nested deeper than its schema, or with more items than it allows, costs no
 * more than the bytes it arrived in.
 */
export interface JsonLimits {
  /** What the body is, for error messages (e.g. "usage events"). */
  readonly what: string
  readonly maxBytes: number
  /** Most items in any one array, or members in any one object. */
  readonly maxEntries: number
  /** Deepest nesting of arrays and objects the schema allows: `[{...}]` is 2. */
  readonly maxDepth: number
}

/** An endpoint's limits, its size bound lowered to the server's `maxJsonBytes` when that is smaller. */
export const jsonLimits = (config: HoardConfigShape, limits: JsonLimits): JsonLimits =>
  ({ ...limits, maxBytes: Math.min(limits.maxBytes, config.maxJsonBytes) })

/**
 * Reads a small JSON body within `limits`: 413 from the Content-Length or as
 * soon as the bytes exceed `maxBytes`; 413 for more items, 400 for deeper
 * nesting than allowed, as soon as the scan sees them (the rest is not read).
 */
export const readJsonBody = (
  request: HttpServerRequest.HttpServerRequest,
  limits: JsonLimits
): Effect.Effect<unknown, ApiError> =>
  Effect.suspend(() => {
    const tooLarge = () =>
      unread(payloadTooLarge(`${limits.what}: the JSON body is larger than ${limits.maxBytes} bytes`))
    const declared = request.headers["content-length"]
    if (declared !== undefined && Number(declared) > limits.maxBytes) return Effect.fail(tooLarge())
    const scanner = new ShapeScanner(limits.maxDepth, limits.maxEntries)
    const chunks: Array<Uint8Array> = []
    let total = 0
    return request.stream.pipe(
      Stream.mapError(() => badRequest("the request body could not be read")),
      Stream.runForEach((chunk) => {
        total += chunk.byteLength
        if (total > limits.maxBytes) return Effect.fail(tooLarge())
        const violation = scanner.scan(chunk)
        if (violation !== undefined) return Effect.fail(unread(shapeError(limits, violation)))
        chunks.push(chunk)
        return Effect.void
      }),
      Effect.flatMap(() => {
        const text = decoder.decode(concatBytes(chunks.splice(0), total))
        if (text.trim() === "") return Effect.fail(badRequest("the request body is empty: a JSON body is required"))
        return Effect.try({
          try: () => JSON.parse(text) as unknown,
          catch: (error) => badRequest(`the request body is not valid JSON: ${clip((error as Error).message)}`)
        })
      })
    )
  })

const decoder = new TextDecoder()

/**
 * An answer given before the whole body was read: the connection is closed
 * after it, so that the client does not send its next request after bytes
 * nobody will read.
 */
const unread = (error: ApiError): ApiError =>
  new ApiError({ status: error.status, code: error.code, message: error.message, headers: { connection: "close" } })

type ShapeViolation = "too_deep" | "too_many" | "unbalanced"

const shapeError = (limits: JsonLimits, violation: ShapeViolation): ApiError => {
  switch (violation) {
    case "too_deep":
      return badRequest(`${limits.what}: the JSON body is nested deeper than ${limits.maxDepth} levels`)
    case "too_many":
      return payloadTooLarge(`${limits.what}: at most ${limits.maxEntries} items per JSON array or object`)
    case "unbalanced":
      return badRequest("the request body is not valid JSON: a bracket closes what was never opened")
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d

/**
 * Follows the nesting of a JSON text over its raw bytes, chunk by chunk,
 * skipping strings (UTF-8 continuation bytes never look like ASCII). It does
 * not validate JSON (`JSON.parse` does that after); it only stops a body that
 * could not decode anyway before it is parsed.
 */
class ShapeScanner {
  private depth = 0
  private inString = false
  private escaped = false
  private readonly maxDepth: number
  private readonly maxEntries: number
  /** The commas seen in each open container: it holds one item more. */
  private readonly commas: Array<number>

  constructor(maxDepth: number, maxEntries: number) {
    this.maxDepth = maxDepth
    this.maxEntries = maxEntries
    this.commas = Array.from({ length: maxDepth + 1 }, () => 0)
  }

  scan(chunk: Uint8Array): ShapeViolation | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (byte === BACKSLASH) this.escaped = true
        else if (byte === QUOTE) this.inString = false
        continue
      }
      switch (byte) {
        case QUOTE:
          this.inString = true
          break
        case OPEN_ARRAY:
        case OPEN_OBJECT:
          if (this.depth === this.maxDepth) return "too_deep"
          this.commas[++this.depth] = 0
          break
        case CLOSE_ARRAY:
        case CLOSE_OBJECT:
          if (this.depth === 0) return "unbalanced"
          this.depth--
          break
        case COMMA:
          if (++this.commas[this.depth]! >= this.maxEntries) return "too_many"
          break
      }
    }
    return undefined
  }
}
const concatBytes = (chunks: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
