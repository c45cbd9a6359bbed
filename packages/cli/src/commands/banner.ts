import { hostname } from "node:os"
import type { ServeConfig } from "../config/ServeConfig.ts"
import type { ResolvedTokens } from "../config/tokens.ts"

/** The lines printed once the server listens: where it is, and how to point turbo at it. */
export const startupBanner = (
  config: ServeConfig,
  server: { readonly port: number; readonly host: string },
  storageDescription: string,
  { generatedFile, tokens }: ResolvedTokens
): string => {
  const reachableHost = server.host === "0.0.0.0" || server.host === "::" ? hostname() : server.host
  const urlHost = reachableHost.includes(":") ? `[${reachableHost}]` : reachableHost
  const apiUrl = `http://${urlHost}:${server.port}${config.basePath.replace(/\/+$/u, "")}`
  const token = generatedFile === undefined ? "<one of your configured tokens>" : tokens[0]!.token
  return [
    `Hoard is listening on ${apiUrl}`,
    `  storage: ${storageDescription}`,
    `  max artifact size: ${config.maxArtifactBytes} bytes`,
    generatedFile === undefined
      ? `  tokens: ${tokens.length} configured`
      : `  token: generated on first start and kept in ${generatedFile}`,
    "",
    "Point turbo at it (each team name gets its own namespace):",
    `  export TURBO_API=${apiUrl}`,
    `  export TURBO_TOKEN=${token}`,
    "  export TURBO_TEAM=my-team",
    ""
  ].join("\n")
}
