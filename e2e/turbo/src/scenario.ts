import { randomBytes } from "node:crypto"
import { expect } from "vitest"
import type { FixtureRepo } from "./fixtureRepo.ts"
import { fixturePackages } from "./fixtureRepo.ts"
import { parseDryRun, readRunSummary } from "./runSummary.ts"
import type { RunSummary } from "./runSummary.ts"
import { runTurbo } from "./turboRun.ts"
import type { RemoteCacheEnv } from "./turboRun.ts"

/** The fixture's tasks, as turbo names them. */
export const buildTaskIds = fixturePackages.map((name) => `${name}#build`)

/** A fresh team slug: each scenario gets its own namespace on the shared server. */
export const randomTeam = (): string => `e2e-${randomBytes(4).toString("hex")}`

/** A signing key of 64 bytes (turbo warns below 32). */
export const randomSignatureKey = (): string => randomBytes(32).toString("hex")

export interface BuildRun {
  readonly summary: RunSummary
  /** stdout and stderr together, for text assertions and failure messages. */
  readonly output: string
}

/** `turbo run build --summarize --output-logs=full`; fails the test unless turbo exits 0. */
export const runBuild = async (repo: FixtureRepo, remote: RemoteCacheEnv): Promise<BuildRun> => {
  const result = await runTurbo(repo.dir, repo.home, remote, ["run", "build", "--summarize", "--output-logs=full"])
  const output = `${result.stdout}\n${result.stderr}`
  expect(result.exitCode, output).toBe(0)
  return { summary: await readRunSummary(repo.dir, output), output }
}

/** `turbo run build --dry=json`: what turbo would do, and what the caches hold. */
export const dryRunBuild = async (repo: FixtureRepo, remote: RemoteCacheEnv): Promise<BuildRun> => {
  const result = await runTurbo(repo.dir, repo.home, remote, ["run", "build", "--dry=json"])
  const output = `${result.stdout}\n${result.stderr}`
  expect(result.exitCode, output).toBe(0)
  return { summary: parseDryRun(result.stdout), output }
}

/**
 * turbo's warnings, except the one about running a turbo that is not installed
 * in the fixture (intended: the fixture installs nothing). Remote-cache
 * trouble (failed requests, rejected uploads, "unavailable" banners) shows up here.
 */
export const unexpectedWarnings = (output: string): ReadonlyArray<string> =>
  output.split("\n").filter((line) => /WARNING|failed to|unavailable/iu.test(line) && !line.includes("No locally installed `turbo`"))

/** turbo found the remote cache healthy (the status check) and had nothing to complain about. */
export const expectCleanRemoteCacheRun = (output: string): void => {
  expect(output).toContain("Remote caching enabled")
  expect(unexpectedWarnings(output), output).toEqual([])
}

/** Every build task missed every cache, so it ran (and turbo said so). */
export const expectAllExecuted = ({ summary, output }: BuildRun): void => {
  expectCleanRemoteCacheRun(output)
  expect(summary.tasks.map((task) => task.taskId).sort()).toEqual(buildTaskIds)
  for (const task of summary.tasks) {
    expect(task.cache, `${task.taskId}\n${output}`).toMatchObject({ status: "MISS", local: false, remote: false })
    expect(output).toContain(`${task.taskId.replace("#", ":")}: cache miss, executing ${task.hash}`)
  }
}

/** Every build task was restored from the remote cache (none ran), and turbo said so. */
export const expectAllRemoteHits = ({ summary, output }: BuildRun): void => {
  expectCleanRemoteCacheRun(output)
  expect(summary.tasks.map((task) => task.taskId).sort()).toEqual(buildTaskIds)
  for (const task of summary.tasks) {
    expect(task.cache, `${task.taskId}\n${output}`).toMatchObject({ status: "HIT", source: "REMOTE", local: false, remote: true })
    expect(output).toContain(`${task.taskId.replace("#", ":")}: cache hit, replaying logs ${task.hash}`)
  }
  expect(output).toContain(">>> FULL TURBO")
}

export const taskHashes = (summary: RunSummary): ReadonlyArray<string> => summary.tasks.map((task) => task.hash)
