import { createHash } from "node:crypto"
import type * as http from "node:http"
import { Effect, Stream } from "effect"
import { BackendTimeout } from "./failures.ts"
import { backendTimeout, readText, startRequest, statusError } from "./http.ts"
import type { HttpAgents } from "./http.ts"

/** The backend served another generation than the one requested. */
export class GenerationChanged extends Error {
  constructor(expected: string, served: string) {
    super(`generation ${expected} was requested but ${served} was served`)
    this.name = "GenerationChanged"
  }
}

/** The bytes read do not match the object's size or MD5 hash. */
export class CorruptDownload extends Error {
  constructor(message: string) {
    super(message)
    this.name = "CorruptDownload"
  }
}

export interface DownloadOptions {
  /** The object's media URL (`alt=media`), pinned to `generation`. */
  readonly url: URL
  /** Request headers carrying the credentials (none for an emulator). */
  readonly authorize: Effect.Effect<Record<string, string>, unknown>
  readonly generation: string
  readonly size: number
  /** Base64 MD5 of the object, as its metadata reports it (absent for composite objects). */
  readonly md5Hash: string | undefined
  readonly agents: HttpAgents
  readonly timeoutMs: number
}

const openGet = (url: URL, headers: Record<string, string>, agents: HttpAgents) =>
  Effect.callback<http.IncomingMessage, unknown>((resume) => {
    const request = startRequest(url, agents, { method: "GET", headers: { ...headers, "accept-encoding": "identity" } })
    request.once("response", (incoming) => resume(Effect.succeed(incoming)))
    // Kept for the whole request: an error after the response must not go unhandled.
    request.on("error", (error) => resume(Effect.fail(error)))
    request.end()
    return Effect.sync(() => request.destroy())
  })

/**
 * The chunks of a response body, failing with `BackendTimeout` when the next
 * chunk takes longer than `timeoutMs` to arrive. Only time spent waiting on the
 * backend counts: a reader that pulls slowly never times out.
 */
const chunksOf = (incoming: http.IncomingMessage, timeoutMs: number): AsyncIterable<Buffer> => ({
  [Symbol.asyncIterator]: () => {
    const chunks = (incoming as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
    return {
      next: () =>
        new Promise<IteratorResult<Buffer>>((resolve, reject) => {
          const timer = setTimeout(() => reject(new BackendTimeout(timeoutMs)), timeoutMs)
          chunks.next().then(resolve, reject).finally(() => clearTimeout(timer))
        }),
      // Destroying the response ends a pending `next` too; the iterator's own
      // `return` would wait for that `next`, which may never settle.
      return: () => {
        incoming.destroy()
        return Promise.resolve({ done: true, value: undefined })
      }
    }
  }
})

/**
 * The bytes of exactly one generation of an object, read lazily with one
 * request each time the stream runs. GCS answers a generation that no longer
 * exists with 404; the served generation is checked too, for backends that
 * ignore the parameter. Either way the stream fails rather than yield another
 * version's bytes. The size and MD5 are verified at the end.
 *
 * Not `File#createReadStream`: in SDK 8.4 it warns about an EventEmitter leak
 * on every download of more than a few MB, and its idle timeout does nothing on Node.
 */
export const readGeneration = <E>(options: DownloadOptions, onError: (error: unknown) => E): Stream.Stream<Uint8Array, E> =>
  Stream.unwrap(openGeneration(options, onError).pipe(Effect.mapError(onError)))

/** One request of `readGeneration` and its bytes, checked as they arrive; fails with raw errors, which it maps with `onError`. */
const openGeneration = Effect.fnUntraced(function*<E>(options: DownloadOptions, onError: (error: unknown) => E) {
  const { agents, generation, md5Hash, size, timeoutMs, url } = options
  const backend = backendTimeout(timeoutMs)
  const headers = yield* backend(options.authorize)
  const incoming = yield* Effect.acquireRelease(
    backend(openGet(url, headers, agents)),
    (incoming) => Effect.sync(() => incoming.destroy()),
    { interruptible: true }
  )
  const status = incoming.statusCode ?? 0
  if (status !== 200) {
    const body = yield* backend(Effect.tryPromise({ try: () => readText(incoming), catch: (error) => error }))
    return yield* Effect.fail(statusError(status, body, `the download of generation ${generation}`))
  }
  const served = incoming.headers["x-goog-generation"]
  if (typeof served === "string" && served !== generation) {
    return yield* Effect.fail(new GenerationChanged(generation, served))
  }
  const digest = createHash("md5")
  let received = 0
  const chunks = Stream.fromAsyncIterable(chunksOf(incoming, timeoutMs), onError).pipe(
    Stream.mapEffect((chunk) => {
      received += chunk.byteLength
      if (received > size) return Effect.fail(onError(new CorruptDownload(`more than the ${size} bytes of the artifact arrived`)))
      digest.update(chunk)
      return Effect.succeed<Uint8Array>(chunk)
    })
  )
  const verified = Stream.fromEffectDrain(Effect.suspend(() => {
    if (received !== size) {
      return Effect.fail(onError(new CorruptDownload(`${received} of the ${size} bytes of the artifact arrived`)))
    }
    const actual = digest.digest("base64")
    return md5Hash === undefined || actual === md5Hash
      ? Effect.void
      : Effect.fail(onError(new CorruptDownload(`the bytes read have MD5 ${actual}, the object ${md5Hash}`)))
  }))
  return Stream.concat(chunks, verified)
})
