import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

/**
 * The installed npm `nx` package: a devDependency of @hoard/e2e-buildtools,
 * resolved from this file, so under pnpm it is the real
 * `node_modules/.pnpm/nx@<version>/node_modules/nx` directory, next to its
 * native optional dependency (`@nx/nx-linux-x64-gnu`). Nx's postinstall script
 * is not needed (pnpm does not run it; Nx works without it).
 */
export const nxPackageDir = (): string => dirname(createRequire(import.meta.url).resolve("nx/package.json"))

/** The `version` of the nx package in `packageDir` (default: the e2e package's own). */
export const nxVersion = (packageDir: string = nxPackageDir()): string =>
  (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version

/** The CLI entry point inside an nx package (its `bin.nx`); run it with node. */
export const nxCliPath = (packageDir: string): string => join(packageDir, "dist", "bin", "nx.js")
