import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

/**
 * Builds the dashboard into `../dist/ui/`, which `DashboardRoutes` serves.
 * `base: "./"` keeps every URL relative, so the page works under any base
 * path (`/cache/ui/` loads `/cache/ui/assets/...`).
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  publicDir: false,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    reportCompressedSize: false
  }
})
