/**
 * The baseline: a minimal but fair node:http artifact server doing the same job
 * as Hoard for the same URLs, with nothing but Node's own streams.
 *
 *   PUT  /v8/artifacts/:hash?slug=  stream.pipeline(req, fs.createWriteStream(tmp)), then rename into <root>/<team>/
 *   GET  /v8/artifacts/:hash?slug=  stat + fs.createReadStream(file).pipe(res) with Content-Length
 *   HEAD /v8/artifacts/:hash?slug=  stat: 200 or 404
 *
 * Like Hoard it checks the bearer token, the team and the hash, requires a
 * Content-Length on PUT and checks the received length. It keeps no metadata.
 *
 * Usage: node rawServer.ts --storage <dir> --token <token> [--port 0] [--fsync]
 * Prints "raw server listening on <url>". Exits on SIGINT/SIGTERM or when stdin closes.
 */
import { randomUUID } from "node:crypto"
import { createReadStream, createWriteStream } from "node:fs"
import { mkdir, open, rename, stat, unlink } from "node:fs/promises"
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { pipeline } from "node:stream/promises"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    storage: { type: "string" },
    token: { type: "string" },
    fsync: { type: "boolean", default: false }
  }
})
if (values.storage === undefined || values.token === undefined) {
  process.stderr.write("usage: rawServer.ts --storage <dir> --token <token> [--port 0] [--fsync]\n")
  process.exit(2)
}
const root = values.storage
const expectedAuthorization = `Bearer ${values.token}`
const fsyncUploads = values.fsync

const hashPattern = /^[a-fA-F0-9]{1,128}$/u
const teamPattern = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/u
const artifactsPrefix = "/v8/artifacts/"

const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  response.end(text)
}

const sendError = (response: ServerResponse, status: number, code: string, message: string): void =>
  sendJson(response, status, { error: { code, message } })

const isMissing = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR")

const knownDirectories = new Set<string>()
const ensureDirectory = async (directory: string): Promise<void> => {
  if (knownDirectories.has(directory)) return
  await mkdir(directory, { recursive: true })
  knownDirectories.add(directory)
}

const download = async (request: IncomingMessage, response: ServerResponse, file: string): Promise<void> => {
  let size: number
  try {
    size = (await stat(file)).size
  } catch (error) {
    if (isMissing(error)) return sendError(response, 404, "not_found", "no such artifact")
    throw error
  }
  response.writeHead(200, { "content-type": "application/octet-stream", "content-length": size })
  if (request.method === "HEAD") {
    response.end()
    return
  }
  await pipeline(createReadStream(file), response)
}

const upload = async (request: IncomingMessage, response: ServerResponse, directory: string, file: string): Promise<void> => {
  const header = request.headers["content-length"]
  if (header === undefined || !/^[0-9]{1,16}$/u.test(header)) {
    return sendError(response, 411, "length_required", "Content-Length is required")
  }
  const size = Number(header)
  await ensureDirectory(directory)
  const temp = join(directory, `.tmp-${randomUUID()}`)
  try {
    const sink = createWriteStream(temp, { flush: fsyncUploads })
    await pipeline(request, sink)
    if (sink.bytesWritten !== size) throw new Error(`received ${sink.bytesWritten} of ${size} bytes`)
    await rename(temp, file)
    if (fsyncUploads) {
      const handle = await open(directory, "r")
      await handle.sync().finally(() => handle.close())
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error
  }
  sendJson(response, 202, { urls: [request.url] })
}

const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
  const url = request.url ?? "/"
  const queryStart = url.indexOf("?")
  const path = queryStart === -1 ? url : url.slice(0, queryStart)
  if (!path.startsWith(artifactsPrefix)) return sendError(response, 404, "not_found", "no such route")
  const hash = path.slice(artifactsPrefix.length)
  if (!hashPattern.test(hash)) return sendError(response, 400, "bad_request", "invalid artifact hash")
  if (request.headers.authorization !== expectedAuthorization) {
    return sendError(response, 401, "unauthorized", "invalid token")
  }
  const params = new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1))
  const team = params.get("teamId") || params.get("slug") || ""
  if (!teamPattern.test(team)) return sendError(response, 400, "bad_request", "invalid team")
  const directory = join(root, team)
  const file = join(directory, hash)
  switch (request.method) {
    case "GET":
    case "HEAD":
      return download(request, response, file)
    case "PUT":
      return upload(request, response, directory, file)
    default:
      return sendError(response, 405, "method_not_allowed", "method not allowed")
  }
}

const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 }, (request, response) => {
  handle(request, response).catch((error: unknown) => {
    process.stderr.write(`raw server: ${request.method} ${request.url} failed: ${String(error)}\n`)
    if (!response.headersSent) sendError(response, 500, "internal_error", "internal error")
    else response.destroy()
  })
})

await mkdir(root, { recursive: true })
server.listen(Number(values.port), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo
  process.stdout.write(`raw server listening on http://127.0.0.1:${port}\n`)
})

const shutdown = () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.once("SIGINT", shutdown)
process.once("SIGTERM", shutdown)
// The parent holds our stdin: if it dies, stdin ends and we go too.
process.stdin.on("end", shutdown).resume()
