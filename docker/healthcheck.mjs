// The image's HEALTHCHECK: exits 0 when Hoard answers GET /openapi.json with a
// 200, else 1. Slim images have no curl, so it uses Node's fetch.
//
// /openapi.json is the cheapest GET that needs no token and gives a 200: the
// document is generated on its first request and kept (about 40 kB of JSON
// afterwards), and it touches neither storage nor the index. /docs would load
// a 3 MB script; the turbo routes answer 401 without a token. So this proves
// the HTTP server and router answer (liveness), not that storage or the index
// are usable: there is no dedicated readiness endpoint yet.
//
// It follows HOARD_PORT and HOARD_BASE_PATH: set the port and base path with
// those variables (not --port / --base-path, nor a config file) so that the
// check looks where the server listens.
const port = process.env.HOARD_PORT || "3000"
const basePath = (process.env.HOARD_BASE_PATH || "").replace(/^\/*/u, "/").replace(/\/+$/u, "")
const url = `http://127.0.0.1:${port}${basePath}/openapi.json`

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) })
  await response.body?.cancel()
  if (!response.ok) {
    console.error(`healthcheck: GET ${url} answered ${response.status}`)
    process.exit(1)
  }
} catch (error) {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : ""
  console.error(`healthcheck: GET ${url} failed: ${error instanceof Error ? error.message : String(error)}${cause}`)
  process.exit(1)
}
