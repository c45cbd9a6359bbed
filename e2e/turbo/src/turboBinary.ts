import { createRequire } from "node:module"

const platformPackages: Record<string, string> = {
  "linux-x64": "@turbo/linux-64",
  "linux-arm64": "@turbo/linux-arm64",
  "darwin-x64": "@turbo/darwin-64",
  "darwin-arm64": "@turbo/darwin-arm64"
}

/**
 * The native `turbo` executable from the installed npm `turbo` package (its
 * platform-specific optional dependency), resolved the way the package's own
 * launcher does. Calling it directly skips the Node launcher.
 */
export const turboBinaryPath = (): string => {
  const platformPackage = platformPackages[`${process.platform}-${process.arch}`]
  if (platformPackage === undefined) {
    throw new Error(`no turbo binary package for ${process.platform}-${process.arch}`)
  }
  const fromHere = createRequire(import.meta.url)
  const fromTurbo = createRequire(fromHere.resolve("turbo/package.json"))
  return fromTurbo.resolve(`${platformPackage}/bin/turbo`)
}
