import { randomBytes } from "node:crypto"
import { stat } from "node:fs/promises"
import { join, relative } from "node:path"
import { useHoardServer } from "@hoard/e2e-turbo/hoardLifecycle"
import { listFiles } from "@hoard/e2e-turbo/outputs"
import { startRecordingProxy } from "@hoard/e2e-turbo/recordingProxy"
import type { RecordedRequest } from "@hoard/e2e-turbo/recordingProxy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createNxWorkspace, nxFixtureProjects, outputDigests, runNx, wipeLocalState } from "../src/nxRun.ts"
import type { NxRemote, NxRunResult, NxTaskCache, NxWorkspace } from "../src/nxRun.ts"

const secret = (name: string) => `${name}-${randomBytes(16).toString("hex")}`

/** The team the builds cache in, and a second one, so a bare URL has a real choice to make. */
const ciTeam = { id: "team_e2e_nx", slug: "e2e-nx", name: "E2E Nx" }
const otherTeam = { id: "team_e2e_nx_other", slug: "e2e-nx-other", name: "E2E Nx other" }

/** Each bound to exactly one team. */
const tokens = {
  /** Main-branch CI: fills the cache. */
  ciWrite: { name: "ci-write", token: secret("ci-write"), teams: { [ciTeam.slug]: "read-write" } },
  /** Pull-request CI: reads only. */
  prRead: { name: "pr-read", token: secret("pr-read"), teams: { [ciTeam.slug]: "read" } }
} as const

const hoard = useHoardServer({ access: { teams: [ciTeam, otherTeam], tokens: Object.values(tokens) } })

const buildTasks = nxFixtureProjects.map((project) => `${project}:build`).sort()

/** Every file of a team's namespace in the fs storage, with its size and mtime: what a write would change. */
const teamStorage = async (teamId: string): Promise<Record<string, string>> => {
  const dir = join(hoard().storageDir, teamId)
  const files: Record<string, string> = {}
  for (const file of await listFiles(dir)) {
    const { mtimeMs, size } = await stat(file)
    files[relative(dir, file)] = `${size} bytes, mtime ${mtimeMs}`
  }
  return files
}

/** Where Hoard's fs storage keeps an Nx record: shard = the hash's first 2 characters, key `nx-<hash>`. */
const storedPath = (hash: string) => `${hash.slice(0, 2)}/nx-${hash}`

/** The team-scoped server URL (`<hoard>/nx/<team slug>`); Nx appends `/v1/cache/<hash>`. */
const teamUrl = (base: string) => `${base.replace(/\/+$/u, "")}/nx/${ciTeam.slug}`
const bareUrl = (base: string) => base.replace(/\/+$/u, "")

interface RecordedRun extends NxRunResult {
  readonly requests: ReadonlyArray<RecordedRequest>
}

/** `nx run-many --targets=build` through a recording proxy in front of Hoard; `url` maps the proxy's base URL to the server URL. */
const build = async (workspace: NxWorkspace, token: string, url: (base: string) => string): Promise<RecordedRun> => {
  const proxy = await startRecordingProxy(hoard().url)
  const remote: NxRemote = { url: url(proxy.url), token }
  const result = await runNx(workspace, remote).finally(() => proxy.close())
  expect(result.exitCode, result.output).toBe(0)
  return { ...result, requests: proxy.requests() }
}

/** Task id → hash, checking each fixture task ran once, ended with status 0 and got its outputs the `expected` way. */
const expectTasks = (run: NxRunResult, expected: NxTaskCache): Record<string, string> => {
  expect(run.tasks.map(({ taskId }) => taskId).sort(), run.output).toEqual(buildTasks)
  for (const task of run.tasks) {
    expect({ taskId: task.taskId, cache: task.cache, status: task.status }, run.output).toEqual({ taskId: task.taskId, cache: expected, status: 0 })
    expect(task.hash).toMatch(/^\d+$/u)
  }
  return Object.fromEntries(run.tasks.map(({ hash, taskId }) => [taskId, hash]))
}

/** The requests a run made, sorted, as `METHOD path status`. */
const requestLines = (run: RecordedRun) => run.requests.map(({ method, status, url }) => `${method} ${url} ${status}`).sort()

const linesFor = (prefix: string, hashes: ReadonlyArray<string>, answers: ReadonlyArray<[string, number]>) =>
  hashes.flatMap((hash) => answers.map(([method, status]) => `${method} ${prefix}/v1/cache/${hash} ${status}`)).sort()

describe("Nx's self-hosted remote cache against Hoard", () => {
  let workspace: NxWorkspace
  let hashes: Record<string, string>
  let coldOutputs: Record<string, string>
  let stored: Record<string, string>
  const teamPrefix = `/nx/${ciTeam.slug}`

  beforeAll(async () => {
    workspace = await createNxWorkspace()
  })
  afterAll(() => workspace.cleanup())

  it("a cold build (read-write token, <hoard>/nx/<team>) misses, runs both tasks and uploads them under nx-<hash>", async () => {
    const cold = await build(workspace, tokens.ciWrite.token, teamUrl)
    hashes = expectTasks(cold, "executed")
    expect(new Set(Object.values(hashes)).size).toBe(buildTasks.length)
    expect(cold.output).not.toContain("[remote cache]")
    coldOutputs = await outputDigests(workspace)
    expect(Object.keys(coldOutputs).sort()).toEqual(["dist/app/app.txt", "dist/lib/lib.txt", "dist/lib/nested/data.bin"])

    // Nx asked for each record (404), then uploaded it (200).
    expect(requestLines(cold)).toEqual(linesFor(teamPrefix, Object.values(hashes), [["GET", 404], ["PUT", 200]]))
    stored = await teamStorage(ciTeam.id)
    expect(Object.keys(stored).sort()).toEqual(Object.values(hashes).map(storedPath).sort())
    expect(await teamStorage(otherTeam.id)).toEqual({})
  })

  it("after wiping local state, a read-only token restores every task from Hoard, byte for byte, and writes nothing", async () => {
    await wipeLocalState(workspace)
    expect(await outputDigests(workspace)).toEqual({})
    const warm = await build(workspace, tokens.prRead.token, teamUrl)
    expect(expectTasks(warm, "remote")).toEqual(hashes)
    for (const task of buildTasks) expect(warm.output).toContain(`nx run ${task}  [remote cache]`)
    expect(await outputDigests(workspace)).toEqual(coldOutputs)
    expect(requestLines(warm)).toEqual(linesFor(teamPrefix, Object.values(hashes), [["GET", 200]]))
    expect(await teamStorage(ciTeam.id)).toEqual(stored)
  })

  it("a not-yet-cached variant under the read-only token runs, succeeds, has its uploads refused (403) and leaves storage unchanged", async () => {
    const variant = await createNxWorkspace({ salt: randomBytes(8).toString("hex") })
    try {
      const run = await build(variant, tokens.prRead.token, teamUrl)
      const variantHashes = expectTasks(run, "executed")
      for (const task of buildTasks) expect(variantHashes[task]).not.toBe(hashes[task])
      // The same build outputs: the salt is an input, not an output.
      expect(await outputDigests(variant)).toEqual(coldOutputs)
      expect(requestLines(run)).toEqual(linesFor(teamPrefix, Object.values(variantHashes), [["GET", 404], ["PUT", 403]]))
      expect(await teamStorage(ciTeam.id)).toEqual(stored)
    } finally {
      await variant.cleanup()
    }
  })

  it("the bare server URL works for a token bound to exactly one team: a wiped build restores from that team", async () => {
    await wipeLocalState(workspace)
    const bare = await build(workspace, tokens.ciWrite.token, bareUrl)
    expect(expectTasks(bare, "remote")).toEqual(hashes)
    expect(await outputDigests(workspace)).toEqual(coldOutputs)
    expect(requestLines(bare)).toEqual(linesFor("", Object.values(hashes), [["GET", 200]]))
    expect(await teamStorage(ciTeam.id)).toEqual(stored)
    expect(await teamStorage(otherTeam.id)).toEqual({})
  })
})
