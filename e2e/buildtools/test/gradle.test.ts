import { join } from "node:path"
import { useHoardServer } from "@hoard/e2e-turbo/hoardLifecycle"
import { startRecordingProxy } from "@hoard/e2e-turbo/recordingProxy"
import type { RecordedRequest } from "@hoard/e2e-turbo/recordingProxy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ciTokens, teamStorage } from "../src/teamStorage.ts"
import { createGradleProject, fixtureOutputs, fixtureTasks, runBuild } from "../src/gradleRun.ts"
import type { GradleBuildOptions, GradleBuildResult, GradleProject } from "../src/gradleRun.ts"

const team = { id: "team_e2e_gradle", slug: "e2e-gradle", name: "E2E Gradle" }

const tokens = ciTokens(team.slug)

const hoard = useHoardServer({ access: { teams: [team], tokens: Object.values(tokens) } })

/** The team's stored files (`teamStorage`): what a write would change. */
const storedFiles = () => teamStorage(hoard().storageDir, team.id)

/** Where Hoard's fs storage keeps a Gradle cache key: `<2-char shard>/gradle-<key>`. */
const storedPath = (key: string) => join(key.slice(0, 2), `gradle-${key}`)

/** The request target Gradle uses for `key` under `url = <hoard>/gradle/<team>/`. */
const entryUrl = (key: string) => `/gradle/${team.slug}/${key}`

/** `[method, url, status]` rows, sorted, for order-insensitive comparison. */
const rows = (requests: ReadonlyArray<RecordedRequest>) =>
  requests.map(({ method, status, url }) => `${method} ${url} ${status}`).sort()

/** `:blob`'s output size in the cold build (the fixture's default) and in two not-yet-cached variants. */
const blobBytes = { cold: "65536", readOnlyPull: "65537", readOnlyPush: "65538" } as const

interface Build extends GradleBuildResult {
  /** Every request Gradle made to Hoard, as a pass-through proxy saw it. */
  readonly requests: ReadonlyArray<RecordedRequest>
}

/** A build of every fixture task through a recording proxy in front of Hoard's `/gradle/<team>/` cache. */
const build = async (
  project: GradleProject,
  remote: { readonly token: string; readonly push: boolean },
  options: GradleBuildOptions = {}
): Promise<Build> => {
  const proxy = await startRecordingProxy(hoard().url)
  try {
    await project.setRemote({ url: `${proxy.url}/gradle/${team.slug}/`, username: "ci", password: remote.token, push: remote.push })
    const result = await runBuild(project, options)
    return { ...result, requests: proxy.requests() }
  } finally {
    await proxy.close()
  }
}

const context = (run: Build) =>
  [
    `exit code: ${run.exitCode}`,
    `tasks: ${JSON.stringify(run.tasks)}`,
    `cache keys: ${JSON.stringify(run.cacheKeys)}`,
    `requests:\n${rows(run.requests).join("\n")}`,
    `warnings:\n${run.remoteCacheWarnings.join("\n")}`,
    `gradle stdout:\n${run.stdout}`,
    `gradle stderr:\n${run.stderr}`,
    `hoard output:\n${hoard().output()}`
  ].join("\n")

const every = (outcome: string) => Object.fromEntries(fixtureTasks.map((task) => [task, outcome]))

/** The cache key of each fixture task, failing when Gradle did not log one. */
const keysOf = (run: Build): Record<string, string> => {
  const keys = Object.fromEntries(fixtureTasks.map((task) => [task, run.cacheKeys[task] ?? ""]))
  for (const [task, key] of Object.entries(keys)) expect(key, `${task}'s cache key\n${context(run)}`).toMatch(/^[0-9a-f]{32}$/u)
  return keys
}

/** A direct GET of a stored entry with the read-write token, not through Gradle. */
const getEntry = (key: string) =>
  fetch(`${hoard().url.replace(/\/+$/u, "")}${entryUrl(key)}`, {
    headers: { authorization: `Basic ${Buffer.from(`ci:${tokens.ciWrite.token}`).toString("base64")}` }
  })

describe("Gradle's HTTP build cache through Hoard", () => {
  let ci: GradleProject
  let cold: Build
  let coldKeys: Record<string, string>
  let stored: Record<string, string>

  beforeAll(async () => {
    ci = await createGradleProject({ url: `${hoard().url}/gradle/${team.slug}/`, push: false })
  })
  afterAll(async () => {
    await ci?.cleanup()
  })

  it("a cold build (read-write token, push = true) misses, runs every task and uploads every entry", async () => {
    expect(await storedFiles()).toEqual({})
    cold = await build(ci, { token: tokens.ciWrite.token, push: true }, { properties: { hoardBlobBytes: blobBytes.cold } })
    expect(cold.exitCode, context(cold)).toBe(0)
    expect(cold.tasks, context(cold)).toMatchObject(every("EXECUTED"))
    expect(cold.remoteCacheWarnings, context(cold)).toEqual([])
    expect(cold.remoteCacheDisabled, context(cold)).toBe(false)
    coldKeys = keysOf(cold)
    expect(new Set(Object.values(coldKeys)).size).toBe(fixtureTasks.length)

    // One GET (a 404 miss) and one PUT (stored) per task, nothing else.
    const keys = Object.values(coldKeys)
    expect(rows(cold.requests), context(cold)).toEqual(
      rows(keys.flatMap((key) => [{ method: "GET", url: entryUrl(key), status: 404 }, { method: "PUT", url: entryUrl(key), status: 200 }]))
    )

    // Every entry is in the team's namespace under the `gradle-` prefix, and nothing else is.
    stored = await storedFiles()
    expect(Object.keys(stored).sort(), context(cold)).toEqual(keys.map(storedPath).sort())
    expect(Object.keys(cold.outputs).sort(), context(cold)).toEqual([...fixtureOutputs].sort())
    const blob = await getEntry(coldKeys[":blob"] ?? "")
    expect(blob.status).toBe(200)
    // A Gradle entry is a gzipped tar of the outputs: the 64 KiB of random bytes do not shrink.
    expect((await blob.arrayBuffer()).byteLength).toBeGreaterThan(65_536)
  })

  it("after wiping build/ and .gradle/, every task comes FROM-CACHE with byte-identical outputs, and nothing is written", async () => {
    await ci.wipeOutputs()
    const warm = await build(ci, { token: tokens.ciWrite.token, push: true }, { properties: { hoardBlobBytes: blobBytes.cold } })
    expect(warm.exitCode, context(warm)).toBe(0)
    expect(warm.tasks, context(warm)).toMatchObject(every("FROM-CACHE"))
    expect(warm.remoteCacheWarnings, context(warm)).toEqual([])
    expect(warm.remoteCacheDisabled, context(warm)).toBe(false)
    expect(keysOf(warm)).toEqual(coldKeys)
    expect(rows(warm.requests), context(warm)).toEqual(
      rows(Object.values(coldKeys).map((key) => ({ method: "GET", url: entryUrl(key), status: 200 })))
    )
    expect(warm.outputs).toEqual(cold.outputs)
    expect(await storedFiles()).toEqual(stored)
  })

  it("a read-only token with push = false: unchanged tasks come FROM-CACHE, a new variant runs, nothing is sent or stored", async () => {
    await ci.wipeOutputs()
    const pr = await build(ci, { token: tokens.prRead.token, push: false }, { properties: { hoardBlobBytes: blobBytes.readOnlyPull } })
    expect(pr.exitCode, context(pr)).toBe(0)
    expect(pr.tasks, context(pr)).toMatchObject({ ":render": "FROM-CACHE", ":compileJava": "FROM-CACHE", ":blob": "EXECUTED" })
    expect(pr.remoteCacheWarnings, context(pr)).toEqual([])
    expect(pr.remoteCacheDisabled, context(pr)).toBe(false)
    const keys = keysOf(pr)
    expect({ ...keys, ":blob": "" }).toEqual({ ...coldKeys, ":blob": "" })
    expect(keys[":blob"]).not.toBe(coldKeys[":blob"])

    // The read-only token read both hits and the miss, and sent no PUT.
    expect(rows(pr.requests), context(pr)).toEqual(
      rows([
        { method: "GET", url: entryUrl(coldKeys[":render"] ?? ""), status: 200 },
        { method: "GET", url: entryUrl(coldKeys[":compileJava"] ?? ""), status: 200 },
        { method: "GET", url: entryUrl(keys[":blob"] ?? ""), status: 404 }
      ])
    )
    const { "blob/blob.bin": blob, ...restored } = pr.outputs
    const { "blob/blob.bin": coldBlob, ...coldRestored } = cold.outputs
    expect(restored).toEqual(coldRestored)
    expect(blob).toMatch(/^[0-9a-f]{64}$/u)
    expect(blob).not.toBe(coldBlob)
    expect((await getEntry(keys[":blob"] ?? "")).status).toBe(404)
    expect(await storedFiles()).toEqual(stored)
  })

  it("a read-only token with push = true: the upload is refused with 403, Gradle warns, the build still succeeds and nothing is stored", async () => {
    await ci.wipeOutputs()
    const pr = await build(ci, { token: tokens.prRead.token, push: true }, { properties: { hoardBlobBytes: blobBytes.readOnlyPush } })
    expect(pr.exitCode, context(pr)).toBe(0)
    expect(pr.tasks, context(pr)).toMatchObject({ ":render": "FROM-CACHE", ":compileJava": "FROM-CACHE", ":blob": "EXECUTED" })
    const keys = keysOf(pr)
    expect(keys[":blob"]).not.toBe(coldKeys[":blob"])
    const blobUrl = entryUrl(keys[":blob"] ?? "")

    // The hits were read; the miss was looked up, then its upload was refused.
    expect(rows(pr.requests), context(pr)).toEqual(
      rows([
        { method: "GET", url: entryUrl(coldKeys[":render"] ?? ""), status: 200 },
        { method: "GET", url: entryUrl(coldKeys[":compileJava"] ?? ""), status: 200 },
        { method: "GET", url: blobUrl, status: 404 },
        { method: "PUT", url: blobUrl, status: 403 }
      ])
    )
    expect(pr.remoteCacheStatuses, context(pr)).toEqual([403])
    expect(pr.remoteCacheWarnings, context(pr)).toHaveLength(1)
    expect(pr.remoteCacheWarnings[0], context(pr)).toMatch(/^Could not store entry .*response status 403/u)
    expect(pr.remoteCacheDisabled, context(pr)).toBe(true)
    expect(pr.outputs["blob/blob.bin"]).toMatch(/^[0-9a-f]{64}$/u)

    expect((await getEntry(keys[":blob"] ?? "")).status).toBe(404)
    expect(await storedFiles()).toEqual(stored)
  })
})
