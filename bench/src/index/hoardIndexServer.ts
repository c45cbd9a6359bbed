import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { startChildServer } from "../childServer.ts"
import type { ChildServer } from "../childServer.ts"
import { benchTeam, benchToken } from "../protocol.ts"

/** The two teams of the benchmark: `bench` without a quota, `quota` with one far above what is stored. */
export const quotaTeam = "quota"
export const teams = [benchTeam, quotaTeam] as const
export type TeamSlug = (typeof teams)[number]

/** Where one backend's Hoard keeps everything; the same on every restart. */
export interface HoardSite {
  readonly repoRoot: string
  readonly directory: string
  /** `sqlite:<path>` or `postgres://...`. */
  readonly indexSpec: string
  readonly nodeArgs: ReadonlyArray<string>
}

/** `hoard.config.json`: the two teams and one admin token (the bench token) on every team. */
const writeConfig = (directory: string): string => {
  const file = join(directory, "hoard.config.json")
  const config = {
    teams: [
      { id: `team_${benchTeam}`, slug: benchTeam },
      { id: `team_${quotaTeam}`, slug: quotaTeam, quota: "1TiB" }
    ],
    tokens: [{ name: "bench", token: benchToken, teams: { "*": "admin" } }]
  }
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
  return file
}

/** `hoard serve` as a user runs it, with fs storage, the config file and the index under test. */
export const startHoardWithIndex = (site: HoardSite): Promise<ChildServer> => {
  mkdirSync(site.directory, { recursive: true })
  const config = writeConfig(site.directory)
  return startChildServer({
    name: "hoard",
    cwd: site.repoRoot,
    args: [
      ...site.nodeArgs,
      join(site.repoRoot, "packages", "cli", "src", "bin.ts"),
      "serve",
      "--port", "0",
      "--storage", join(site.directory, "storage"),
      "--data-dir", join(site.directory, "data"),
      "--config", config,
      "--index", site.indexSpec,
      "--log-level", "warn"
    ],
    urlPattern: /Hoard is listening on (http:\/\/\S+)/u,
    startTimeoutMs: 120_000
  })
}
