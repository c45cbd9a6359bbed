import { Effect } from "effect"
import { readdir, readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, extname, join, relative, sep } from "node:path"

/**
 * Where `vite build` writes the dashboard: `dist/ui/` in this package. It is
 * found through the package's own name rather than this module's URL, so that
 * it is still found when this module is bundled into another file (the
 * `hoard` bin is).
 */
export const defaultBundleDir = join(
  dirname(createRequire(import.meta.url).resolve("@hoard/dashboard/package.json")),
  "dist",
  "ui"
)

export interface Asset {
  readonly body: Uint8Array
  readonly contentType: string
}

/** The built dashboard in memory: `index.html` and the files under `assets/`, by name. */
export interface Bundle {
  readonly index: Uint8Array
  readonly assets: ReadonlyMap<string, Asset>
}

const contentTypes: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2"
}

export const contentTypeOf = (name: string): string => contentTypes[extname(name)] ?? "application/octet-stream"

const filesUnder = async (dir: string): Promise<ReadonlyArray<string>> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

/**
 * Reads the whole build output once (it is some 60 kB). Fails with the reason
 * when it is missing or unreadable: the routes then answer 503 saying how to
 * build it, rather than the server failing to start.
 */
export const loadBundle = (dir: string = defaultBundleDir): Effect.Effect<Bundle, Error> =>
  Effect.tryPromise({
    try: async () => {
      const index = await readFile(join(dir, "index.html"))
      const assetsDir = join(dir, "assets")
      const assets = new Map<string, Asset>()
      for (const path of await filesUnder(assetsDir)) {
        const name = relative(assetsDir, path).split(sep).join("/")
        assets.set(name, { body: await readFile(path), contentType: contentTypeOf(name) })
      }
      return { index, assets }
    },
    catch: (cause) => new Error(`the dashboard is not built (${dir}): ${String(cause)}`, { cause })
  })
