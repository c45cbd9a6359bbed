import { request as httpRequest } from "node:http"
import { createHash, randomBytes } from "node:crypto"

export const TOKEN = "test-token-0123456789"
export const auth = { authorization: `Bearer ${TOKEN}` }

export const randomHash = (): string => randomBytes(8).toString("hex")
export const randomTeam = (): string => `team-${randomBytes(4).toString("hex")}`
export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string }
}

/** Uploads with the headers turbo sends. */
export const put = (
  url: string,
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {}
): Promise<Response> =>
  fetch(url, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/octet-stream", "x-artifact-duration": "1234", ...headers },
    body
  })

/**
 * Sends raw HTTP/1.1 with node:http, for what fetch cannot do: omit
 * Content-Length, or abort mid-body. Resolves with the status, or with
 * `undefined` when the connection was cut before an answer.
 */
export const rawRequest = (
  url: string,
  options: {
    readonly method: string
    readonly headers: Record<string, string>
    readonly chunks: ReadonlyArray<Uint8Array>
    readonly abortAfterChunks?: boolean
  }
): Promise<{ readonly status: number | undefined; readonly body: string }> =>
  new Promise((resolve) => {
    const request = httpRequest(url, { method: options.method, headers: options.headers }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (body += chunk))
      response.on("end", () => resolve({ status: response.statusCode, body }))
      response.on("error", () => resolve({ status: response.statusCode, body }))
    })
    request.on("error", () => resolve({ status: undefined, body: "" }))
    for (const chunk of options.chunks) request.write(chunk)
    if (options.abortAfterChunks === true) {
      setTimeout(() => {
        request.destroy()
        resolve({ status: undefined, body: "" })
      }, 200)
    } else {
      request.end()
    }
  })
