import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { Bundle } from "./bundle.ts"
import { defaultBundleDir, loadBundle } from "./bundle.ts"

/**
 * The page may load only its own scripts, styles and images, and talk only to
 * its own origin (the management API). uPlot and Preact set styles through
 * the DOM, which `style-src 'self'` allows.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ")

const securityHeaders = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer"
}

const assetsPrefix = "/ui/assets/"

const pathOf = (request: HttpServerRequest.HttpServerRequest): string => request.url.split("?", 1)[0]!

/** The asset's name in the bundle: the request path after `/ui/assets/`. */
const assetName = (request: HttpServerRequest.HttpServerRequest): string => pathOf(request).slice(assetsPrefix.length)

/** Names no server path (the log does, at start). */
const notBuilt = HttpServerResponse.text(
  "The Hoard dashboard is not built on this server.\n" +
    "Build it with `pnpm --filter @hoard/dashboard run build:ui` (the published package ships it built).\n",
  { status: 503, headers: { ...securityHeaders, "cache-control": "no-store" } }
)

const serveBundle = (bundle: Bundle) => ({
  index: HttpServerResponse.uint8Array(bundle.index, {
    contentType: "text/html; charset=utf-8",
    headers: { ...securityHeaders, "cache-control": "no-cache" }
  }),
  asset: (request: HttpServerRequest.HttpServerRequest) => {
    const asset = bundle.assets.get(assetName(request))
    return Effect.succeed(
      asset === undefined
        ? HttpServerResponse.text("no such dashboard asset\n", { status: 404, headers: securityHeaders })
        : HttpServerResponse.uint8Array(asset.body, {
          contentType: asset.contentType,
          // Vite puts a content hash in every asset's name: a new build gets new names.
          headers: { ...securityHeaders, "cache-control": "public, max-age=31536000, immutable" }
        })
    )
  }
})

export interface DashboardOptions {
  /** The `vite build` output to serve (default: the package's `dist/ui/`). */
  readonly dir?: string
}

/**
 * The dashboard's routes, to pass as `routes` to Hoard (`serve({ routes })`,
 * `makeHoardApp({ routes })`): `GET /ui` (a redirect to `/ui/`), `/ui/`
 * (the page) and `/ui/assets/*`, under Hoard's base path. The bundle is read
 * into memory when the layer is built; when it is missing these answer 503
 * and the rest of Hoard works as usual. The page is static: it reads the
 * management API with the token its user signs in with.
 */
export const makeDashboardRoutes = (options: DashboardOptions = {}): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const dir = options.dir ?? defaultBundleDir
  return HttpRouter.use(Effect.fnUntraced(function*(router) {
    const loaded = yield* Effect.result(loadBundle(dir))
    if (loaded._tag === "Failure") {
      yield* Effect.logWarning(`${loaded.failure.message}; /ui answers 503 until it is built (pnpm --filter @hoard/dashboard run build:ui)`)
    }
    const { asset, index } = loaded._tag === "Success"
      ? serveBundle(loaded.success)
      : { asset: () => Effect.succeed(notBuilt), index: notBuilt }
    // The router takes `/ui` and `/ui/` for one route: the page is at `/ui/`,
    // so its relative URLs (`./assets/`, `../api/v1/`) resolve under it.
    yield* router.add("GET", "/ui", (request) =>
      Effect.succeed(
        pathOf(request).endsWith("/")
          ? index
          // Relative, so it lands on `<base path>/ui/` whatever the base path.
          : HttpServerResponse.redirect("ui/", { status: 302, headers: securityHeaders })
      ))
    yield* router.add("GET", "/ui/assets/*", asset)
  }))
}

/** `makeDashboardRoutes()`: the package's own build. */
export const DashboardRoutes: Layer.Layer<never, never, HttpRouter.HttpRouter> = makeDashboardRoutes()
