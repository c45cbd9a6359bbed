/**
 * Builds the `hoard` bin as one bundle: `bundle/hoard.js`, with the SQLite
 * index's writer thread beside it (`bundle/writerThread.js`, where the index
 * looks for it) and the chunks loaded only when asked for (the cloud storage
 * adapters, the API reference page).
 *
 * Why: loaded module by module, `import { Effect } from "effect"` evaluates
 * every module Effect has, and the installed `hoard serve` came up at about
 * 149 MiB of RSS in 435 ms; bundled, only what Hoard uses is there: 94 MiB in
 * 188 ms (`pnpm bench:startup`, medians of 7 runs). The library entry points
 * (`@hoard/cli`, every other package) stay as `tsc` builds them.
 *
 * Hoard's packages (from this workspace's sources) and Effect's are bundled.
 * The packages in `bundleExternals` are not: native code, and the clients of
 * the clouds and of Redis, which are large and loaded only when configured.
 * The bundle imports them from `@hoard/cli`'s own `node_modules`, so
 * `@hoard/cli` declares each one itself, at the version the package that uses
 * it pins (`test/bundle.test.ts` checks that).
 */
import { build } from "rolldown"
import { rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const bundleExternals: ReadonlyArray<string> = [
  "@aws-sdk/client-s3",
  "@aws-sdk/lib-storage",
  "@azure/identity",
  "@azure/storage-blob",
  "@google-cloud/storage",
  // Loaded with `createRequire` by storage-fs (CRC-32 in SIMD), not imported.
  "@node-rs/crc32",
  "redis"
]

const isExternal = (id: string): boolean =>
  id.startsWith("node:") || bundleExternals.some((name) => id === name || id.startsWith(`${name}/`))

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const indexSqlDir = dirname(createRequire(import.meta.url).resolve("@hoard/index-sql/package.json"))

/**
 * Two builds, one per entry, so that the writer thread loads its own file
 * alone and `hoard.js` shares chunks only with its lazy ones. (Those import
 * what they share from a common chunk, which `hoard.js` evaluates before its
 * own modules, `gcTuning.ts` among them: V8 honours that flag whenever it is
 * set, as a churn of 3,000 1 MiB Buffers showed, 1 mark-compact either way
 * against 23-33 without it.)
 */
const bundle = (dir: string, name: string, input: string) =>
  build({
    input: { [name]: input },
    platform: "node",
    external: isExternal,
    logLevel: "warn",
    output: {
      dir,
      format: "esm",
      // Readable stack traces: names and lines as written, only the comments gone.
      comments: { legal: true, annotation: false, jsdoc: false },
      chunkFileNames: "[name]-[hash].js"
    }
  })

/** Writes the bin's bundle into `dir`, emptied first. */
export const bundleBin = async (dir: string): Promise<void> => {
  await rm(dir, { recursive: true, force: true })
  await bundle(dir, "hoard", here("./src/bin.ts"))
  await bundle(dir, "writerThread", join(indexSqlDir, "src/sqlite/writerThread.ts"))
}

if (import.meta.main) await bundleBin(here("./bundle/"))
