import { randomBytes } from "node:crypto"
import { appendFile, readFile, stat } from "node:fs/promises"
import { join, relative } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { headArtifact } from "../src/cacheApi.ts"
import { createFixtureRepo } from "../src/fixtureRepo.ts"
import type { FixtureRepo } from "../src/fixtureRepo.ts"
import { useHoardServer } from "../src/hoardLifecycle.ts"
import { digestBuildOutputs, listFiles } from "../src/outputs.ts"
import { startRecordingProxy } from "../src/recordingProxy.ts"
import { taskById } from "../src/runSummary.ts"
import { readRunSummary } from "../src/runSummary.ts"
import { expectAllExecuted, expectAllRemoteHits, runBuild, taskHashes, unexpectedWarnings } from "../src/scenario.ts"
import type { BuildRun } from "../src/scenario.ts"
import { runTurbo } from "../src/turboRun.ts"
import type { RemoteCacheEnv } from "../src/turboRun.ts"

const secret = (name: string) => `${name}-${randomBytes(16).toString("hex")}`

/** The team CI builds for, and the one `turbo link` picks. */
const ciTeam = { id: "team_e2e_ci", slug: "e2e-ci", name: "E2E CI" }
const linkTeam = { id: "team_e2e_link", slug: "e2e-link", name: "E2E Link" }

const tokens = {
  /** Main-branch CI: fills the cache. */
  ciWrite: { name: "ci-write", token: secret("ci-write"), teams: { [ciTeam.slug]: "read-write" } },
  /** Pull-request CI: reads only. */
  prRead: { name: "pr-read", token: secret("pr-read"), teams: { [ciTeam.slug]: "read" } },
  /** A developer's token for the other team (granted by id). */
  developer: { name: "developer", token: secret("developer"), teams: { [linkTeam.id]: "admin" } }
} as const

const hoard = useHoardServer({ access: { teams: [ciTeam, linkTeam], tokens: Object.values(tokens) } })

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

describe("a read-only token in pull-request CI", () => {
  let repo: FixtureRepo
  let writer: RemoteCacheEnv
  let reader: RemoteCacheEnv
  let cold: BuildRun
  let coldOutputs: Record<string, string>
  let stored: Record<string, string>

  beforeAll(async () => {
    repo = await createFixtureRepo()
    writer = { api: hoard().url, token: tokens.ciWrite.token, team: ciTeam.slug }
    reader = { ...writer, token: tokens.prRead.token }
  })
  afterAll(() => repo.cleanup())

  it("main-branch CI (read-write token) fills the team's cache", async () => {
    cold = await runBuild(repo, writer)
    expectAllExecuted(cold)
    coldOutputs = await digestBuildOutputs(repo.dir)
    stored = await teamStorage(ciTeam.id)
    expect(Object.keys(stored).map((path) => path.split("/").at(-1)).sort()).toEqual([...taskHashes(cold.summary)].sort())
  })

  it("pull-request CI (read-only token) gets every task from the remote cache and writes nothing", async () => {
    await repo.wipeLocalState()
    const proxy = await startRecordingProxy(hoard().url)
    const warm = await runBuild(repo, { ...reader, api: proxy.url }).finally(() => proxy.close())
    expectAllRemoteHits(warm)
    expect(await digestBuildOutputs(repo.dir)).toEqual(coldOutputs)
    expect(proxy.requests().filter(({ method }) => method === "PUT")).toEqual([])
    expect(await teamStorage(ciTeam.id)).toEqual(stored)
  })

  it("a changed input under the read-only token: the task runs, turbo exits 0, the upload is refused and nothing is stored", async () => {
    await repo.wipeLocalState()
    await appendFile(join(repo.dir, "packages", "b", "build.mjs"), `// changed in a pull request ${randomBytes(4).toString("hex")}\n`)
    const proxy = await startRecordingProxy(hoard().url)
    const result = await runTurbo(repo.dir, repo.home, { ...reader, api: proxy.url }, ["run", "build", "--summarize", "--output-logs=full"])
      .finally(() => proxy.close())
    const output = `${result.stdout}\n${result.stderr}`
    expect(result.exitCode, output).toBe(0)
    const summary = await readRunSummary(repo.dir, output)

    // a is unchanged: a remote hit. b changed: it missed and ran.
    const a = taskById(summary, "a#build")
    const b = taskById(summary, "b#build")
    expect(a.hash).toBe(taskById(cold.summary, "a#build").hash)
    expect(a.cache).toMatchObject({ status: "HIT", source: "REMOTE" })
    expect(b.hash).not.toBe(taskById(cold.summary, "b#build").hash)
    expect(b.cache, output).toMatchObject({ status: "MISS", local: false, remote: false })
    expect(output).toContain(`b:build: cache miss, executing ${b.hash}`)

    // turbo tried to upload b, got the 403 `forbidden` a read-only token earns, and said so.
    const puts = proxy.requests().filter(({ method }) => method === "PUT")
    expect(puts).toEqual([{ method: "PUT", url: `/v8/artifacts/${b.hash}?slug=${ciTeam.slug}`, status: 403 }])
    expect(output).toMatch(/Remote cache rejected an upload with 403/u)
    expect(unexpectedWarnings(output).every((line) => /403/u.test(line)), output).toBe(true)

    // Nothing was stored.
    expect((await headArtifact({ api: hoard().url, token: tokens.ciWrite.token, team: ciTeam.slug }, b.hash)).status).toBe(404)
    expect(await teamStorage(ciTeam.id)).toEqual(stored)
  })
})

describe("turbo link against a teams config", () => {
  let repo: FixtureRepo

  beforeAll(async () => {
    repo = await createFixtureRepo()
  })
  afterAll(() => repo.cleanup())

  it("links to a team the token may use (/v2/user, /v2/teams, status), and runs then use its team id", async () => {
    const proxy = await startRecordingProxy(hoard().url)
    try {
      // No TURBO_TEAM: the team comes from --scope, then from the link.
      const developer: RemoteCacheEnv = { api: proxy.url, token: tokens.developer.token, team: "" }
      const link = await runTurbo(repo.dir, repo.home, developer, ["link", "--yes", "--scope", linkTeam.slug])
      const linkOutput = `${link.stdout}\n${link.stderr}`
      expect(link.exitCode, linkOutput).toBe(0)
      expect(linkOutput).toContain(`Turborepo CLI authorized for ${linkTeam.name}`)
      expect(JSON.parse(await readFile(join(repo.dir, ".turbo", "config.json"), "utf8"))).toEqual({ teamId: linkTeam.id })
      expect(proxy.requests()).toEqual([
        { method: "GET", url: "/v2/user", status: 200 },
        { method: "GET", url: "/v2/teams?limit=100", status: 200 },
        { method: "GET", url: `/v8/artifacts/status?teamId=${linkTeam.id}&slug=${linkTeam.slug}`, status: 200 }
      ])

      // A team the token has no access to is not offered.
      const refused = await runTurbo(repo.dir, repo.home, developer, ["link", "--yes", "--scope", ciTeam.slug])
      expect(refused.exitCode).not.toBe(0)
      expect(`${refused.stdout}\n${refused.stderr}`).toContain(`Could not find team: ${ciTeam.slug}`)

      // The linked repo caches in the linked team, addressed by its id.
      const cold = await runBuild(repo, developer)
      expectAllExecuted(cold)
      const puts = proxy.requests().filter(({ method }) => method === "PUT")
      expect(puts.map(({ status, url }) => [url, status]).sort()).toEqual(
        taskHashes(cold.summary).map((hash) => [`/v8/artifacts/${hash}?teamId=${linkTeam.id}`, 202]).sort()
      )
      expect(Object.keys(await teamStorage(linkTeam.id))).toHaveLength(2)
    } finally {
      await proxy.close()
    }
  })
})
