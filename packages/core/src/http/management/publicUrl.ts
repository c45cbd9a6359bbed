import type { HttpServerRequest } from "effect/http"

/**
 * The absolute URL clients reach Hoard at, base path included, without a
 * trailing slash: the configured `publicUrl`, else built from the request's
 * `X-Forwarded-Proto` (or the connection's scheme) and `Host`. The base path
 * is what the original URL has in front of the routed (relative) one; when a
 * host framework strips its mount path before Hoard sees the request, set
 * `publicUrl`.
 */
export const publicBaseUrl = (
  request: HttpServerRequest.HttpServerRequest,
  configured: string | undefined
): string => {
  if (configured !== undefined) return configured.replace(/\/+$/u, "")
  const original = parseOriginal(request.originalUrl)
  const forwardedProto = firstValue(request.headers["x-forwarded-proto"])?.toLowerCase()
  const proto = forwardedProto === "https" || forwardedProto === "http"
    ? forwardedProto
    : original?.protocol === "https:" ? "https" : "http"
  const host = firstValue(request.headers["host"]) ?? original?.host ?? "localhost"
  return `${proto}://${host}${basePathOf(original?.pathname ?? "", pathOf(request.url))}`
}

const firstValue = (header: string | undefined): string | undefined => {
  const value = header?.split(",", 1)[0]?.trim()
  return value === undefined || value === "" ? undefined : value
}

const parseOriginal = (url: string): URL | undefined => {
  try {
    return new URL(url, "http://localhost")
  } catch {
    return undefined
  }
}

const pathOf = (url: string): string => collapse(url.split("?", 1)[0] ?? "")
const collapse = (path: string): string => path.replace(/\/{2,}/gu, "/")

/** `/cache/api/v1/x` routed as `/api/v1/x` was mounted under `/cache`. */
const basePathOf = (originalPath: string, routedPath: string): string => {
  const original = collapse(originalPath)
  if (routedPath === "" || routedPath === "/" || !original.endsWith(routedPath)) return ""
  return original.slice(0, original.length - routedPath.length).replace(/\/+$/u, "")
}
