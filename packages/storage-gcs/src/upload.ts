import type * as http from "node:http"
import type { File } from "@google-cloud/storage"
import { Deferred, Effect, Exit, Stream } from "effect"
import { backendTimeout, readText, startRequest, statusError } from "./http.ts"
import type { HttpAgents } from "./http.ts"

/** The body yielded more or fewer bytes than declared. */
export class SizeMismatch extends Error {
  constructor(expected: number, actual: string) {
    super(`the body yielded ${actual} bytes, but ${expected} were declared`)
    this.name = "SizeMismatch"
  }
}

/** Which step of an upload failed, and with what. */
export class UploadFailed {
  readonly _tag = "UploadFailed"
  readonly step: "start" | "send"
  readonly error: unknown
  constructor(step: "start" | "send", error: unknown) {
    this.step = step
    this.error = error
  }
}

export interface UploadOptions<E> {
  /** The object to create, on the client that creates upload sessions. */
  readonly file: File
  readonly body: Stream.Stream<Uint8Array, E>
  readonly size: number
  readonly customMetadata: Record<string, string>
  readonly agents: HttpAgents
  readonly timeoutMs: number
}

interface Answer {
  readonly status: number
  readonly body: string
}

/** A PUT in flight: the request to write to, and its answer (or failure) once there is one. */
interface Put {
  readonly request: http.ClientRequest
  readonly answer: Deferred.Deferred<Answer, unknown>
}

const startPut = (url: URL, size: number, agents: HttpAgents): Put => {
  const request = startRequest(url, agents, {
    method: "PUT",
    headers: { "content-length": String(size), "content-type": "application/octet-stream" }
  })
  const answer = Deferred.makeUnsafe<Answer, unknown>()
  const settle = (outcome: Effect.Effect<Answer, unknown>) => Deferred.doneUnsafe(answer, outcome)
  let answered = false
  request.on("error", (error) => settle(Effect.fail(error)))
  request.once("close", () => answered || settle(Effect.fail(new Error("the connection closed before the upload was answered"))))
  request.once("response", (incoming) => {
    answered = true
    readText(incoming).then(
      (body) => settle(Effect.succeed({ status: incoming.statusCode ?? 0, body })),
      (error) => settle(Effect.fail(error))
    )
  })
  return { request, answer }
}

const drain = (request: http.ClientRequest) =>
  Effect.callback<void>((resume) => {
    const onDrain = () => resume(Effect.void)
    request.once("drain", onDrain)
    return Effect.sync(() => request.off("drain", onDrain))
  })

/** Waits until the request accepts more bytes; fails if it is answered or breaks first. */
const drained = (put: Put) =>
  Effect.raceFirst(
    drain(put.request),
    Deferred.await(put.answer).pipe(
      Effect.flatMap(({ body, status }) => Effect.fail(statusError(status, body, "the upload (before its end)")))
    )
  )

/**
 * Streams `body` as the whole content of one request to a resumable-upload
 * session (`Content-Length: size`). The backend finalizes the object only once
 * all `size` bytes have arrived, so on a failing, short, long or interrupted
 * body the request is destroyed before it completes and nothing is stored.
 * Timeouts cover only waits on the backend, never waits on `body`.
 */
const sendBody = <E>(url: URL, options: UploadOptions<E>): Effect.Effect<void, E | UploadFailed> =>
  Effect.suspend(() => {
    const { agents, body, size, timeoutMs } = options
    const put = startPut(url, size, agents)
    const backend = backendTimeout(timeoutMs)
    const failed = (error: unknown) => new UploadFailed("send", error)
    let sent = 0
    const send = Stream.runForEach(body, (chunk) => {
      sent += chunk.byteLength
      if (sent > size) return Effect.fail(failed(new SizeMismatch(size, `more than ${size}`)))
      if (put.request.write(chunk)) return Effect.void
      return backend(drained(put)).pipe(Effect.mapError(failed))
    })
    const finish = Effect.suspend(() => {
      if (sent !== size) return Effect.fail(failed(new SizeMismatch(size, String(sent))))
      put.request.end()
      return backend(Deferred.await(put.answer)).pipe(
        Effect.flatMap(({ body, status }) =>
          status === 200 || status === 201 ? Effect.void : Effect.fail(statusError(status, body, "the upload"))
        ),
        Effect.mapError(failed)
      )
    })
    return send.pipe(
      Effect.andThen(finish),
      Effect.onExit((exit) =>
        Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => put.request.destroy(new Error("upload abandoned")))
      )
    )
  })

/**
 * Uploads an object with its custom metadata in one resumable session: the SDK
 * starts the session (credentials, metadata), then the body is streamed with
 * bounded memory. Not `File#createWriteStream`: destroying its stream in SDK
 * 8.4 leaves the upload request open forever instead of aborting it.
 */
export const uploadObject = <E>(options: UploadOptions<E>): Effect.Effect<void, E | UploadFailed> =>
  Effect.tryPromise({
    try: () =>
      options.file.createResumableUpload({
        metadata: { contentType: "application/octet-stream", metadata: options.customMetadata }
      }),
    catch: (error) => error
  }).pipe(
    backendTimeout(options.timeoutMs),
    Effect.mapError((error) => new UploadFailed("start", error)),
    Effect.flatMap(([uri]) => sendBody(new URL(uri), options))
  )
