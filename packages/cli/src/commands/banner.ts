import { hostname } from "node:os"
import { describeRateLimits } from "../config/rateLimitStore.ts"
import type { ServeConfig } from "../config/ServeConfig.ts"
import { defaults } from "../config/settings.ts"
import { showAge, showBytes } from "../config/units.ts"
import type { ResolvedTokens } from "../config/tokens.ts"

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`

const listTeams = (teams: ServeConfig["teams"], shown = 5): string =>
  [
    ...teams.slice(0, shown).map((team) => `${team.slug} (${team.id}${team.status === undefined || team.status === "enabled" ? "" : `, ${team.status}`})`),
    ...(teams.length > shown ? [`and ${teams.length - shown} more`] : [])
  ].join(", ")

const maxSizeLine = ({ maxSizeBytes, maxSizeIsDefault }: ServeConfig): string =>
  maxSizeBytes === undefined
    ? "none"
    : `${showBytes(maxSizeBytes)}${
      maxSizeIsDefault ? ` (default: the smaller of ${showBytes(defaults.maxSizeCeilingBytes)} and half of free space plus cache)` : ""
    }`

/** A URL as the banner shows it: without any user or password in it. */
const withoutCredentials = (url: string): string => {
  const parsed = new URL(url)
  parsed.username = ""
  parsed.password = ""
  return parsed.toString()
}

/** Where metrics are served and where spans go, in one line. */
const observabilityLine = (
  config: ServeConfig,
  urlHost: string,
  metricsServer: { readonly port: number } | undefined
): string => {
  const metrics = [
    ...(metricsServer === undefined ? [] : [`http://${urlHost}:${metricsServer.port}/metrics (no auth)`]),
    ...(config.metricsToken === undefined ? [] : [`${config.basePath.replace(/\/+$/u, "")}/metrics with the metrics token`])
  ]
  const tracing = config.tracing === undefined
    ? "off"
    : `OTLP to ${withoutCredentials(config.tracing.url)} as ${config.tracing.serviceName}`
  return `  metrics: ${metrics.length === 0 ? "not served (--metrics-port or --metrics-token)" : metrics.join(" and ")}; tracing: ${tracing}`
}

/** The lines printed once the server listens: where it is, and how to point turbo at it. */
export const startupBanner = (
  config: ServeConfig,
  server: { readonly port: number; readonly host: string },
  storageDescription: string,
  indexDescription: string,
  { generatedFile, generatedToken, tokens }: ResolvedTokens,
  metricsServer?: { readonly port: number }
): string => {
  const reachableHost = server.host === "0.0.0.0" || server.host === "::" ? hostname() : server.host
  const urlHost = reachableHost.includes(":") ? `[${reachableHost}]` : reachableHost
  const apiUrl = config.publicUrl ?? `http://${urlHost}:${server.port}${config.basePath.replace(/\/+$/u, "")}`
  const listening = `http://${urlHost}:${server.port}${config.basePath.replace(/\/+$/u, "")}`
  const teams = config.teams
  const jwt = config.jwt === undefined
    ? undefined
    : config.jwt.secret !== undefined
    ? "JWTs signed with the configured HS256 secret"
    : `JWTs signed by the keys at ${config.jwt.jwksUrl}`
  // With teams, say how many tokens may use every one of them (`--token`s among them).
  const everyTeam = tokens.filter((token) => token.teams["*"] !== undefined).length
  const tokenLine = generatedFile !== undefined
    ? `  token: generated on first start and kept in ${generatedFile}${teams.length > 0 ? " (every team)" : ""}`
    : `  tokens: ${tokens.length} configured${
      teams.length > 0 ? ` for ${plural(teams.length, "team")}${everyTeam > 0 ? ` (${everyTeam} for every team)` : ""}` : ""
    }${jwt === undefined ? "" : `, and ${jwt}`}`
  const team = teams[0]?.slug ?? "my-team"
  const turboToken = generatedToken ?? (tokens.length > 0 ? "<one of your configured tokens>" : "<a JWT from your issuer>")
  return [
    `Hoard is listening on ${listening}`,
    ...(config.publicUrl === undefined ? [] : [`  public URL: ${config.publicUrl}`]),
    `  storage: ${storageDescription}`,
    `  index: ${indexDescription}`,
    `  max artifact size: ${config.maxArtifactBytes} bytes`,
    `  max size: ${maxSizeLine(config)}`,
    `  retention: ttl ${config.ttlMs === undefined ? "none" : showAge(config.ttlMs)}, activity kept ${
      config.activityRetentionMs === undefined ? "for ever" : showAge(config.activityRetentionMs)
    }`,
    `  rate limits: ${describeRateLimits(config.redis)}`,
    observabilityLine(config, urlHost, metricsServer),
    `  logs: ${config.logFormat}, level ${config.logLevel}, access log ${config.accessLog ? "on" : "off"}`,
    tokenLine,
    ...(teams.length > 0 ? [`  teams: ${listTeams(teams)}`] : []),
    "",
    teams.length > 0
      ? "Point turbo at it (TURBO_TEAM is the slug of a configured team):"
      : "Point turbo at it (each team name gets its own namespace):",
    `  export TURBO_API=${apiUrl}`,
    `  export TURBO_TOKEN=${turboToken}`,
    `  export TURBO_TEAM=${team}`,
    "Nx, Gradle, ccache and Bazel use the same token (Basic credentials: the token is the password):",
    `  nx: NX_SELF_HOSTED_REMOTE_CACHE_SERVER=${apiUrl}/nx/${team}  gradle: ${apiUrl}/gradle/${team}/`,
    `  ccache: remote_storage = ${apiUrl}/ccache/${team}  bazel: --remote_cache=${apiUrl}/bazel/${team}`,
    ""
  ].join("\n")
}
