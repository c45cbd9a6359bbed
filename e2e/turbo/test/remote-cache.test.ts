import { basename } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { getArtifact, headArtifact, queryArtifacts } from "../src/cacheApi.ts"
import { createFixtureRepo } from "../src/fixtureRepo.ts"
import type { FixtureRepo } from "../src/fixtureRepo.ts"
import { useHoardServer } from "../src/hoardLifecycle.ts"
import { startRecordingProxy } from "../src/recordingProxy.ts"
import type { RecordingProxy } from "../src/recordingProxy.ts"
import { digestBuildOutputs, listFiles } from "../src/outputs.ts"
import { dryRunBuild, expectAllExecuted, expectAllRemoteHits, randomTeam, runBuild, taskHashes } from "../src/scenario.ts"
import type { BuildRun } from "../src/scenario.ts"
import type { RemoteCacheEnv } from "../src/turboRun.ts"

/** Each build script waits this long, so every real execution lasts at least this many ms. */
const minimumBuildMillis = 400
const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd])

const hoard = useHoardServer()

describe("turbo against Hoard", () => {
  let repo: FixtureRepo
  let remote: RemoteCacheEnv
  let cold: BuildRun
  let coldOutputs: Record<string, string>
  let warm: BuildRun

  beforeAll(async () => {
    repo = await createFixtureRepo()
    remote = { api: hoard().url, token: hoard().token, team: randomTeam() }
  })
  afterAll(() => repo.cleanup())

  it("cold run: every task misses, executes and is uploaded to Hoard", async () => {
    cold = await runBuild(repo, remote)
    expectAllExecuted(cold)
    coldOutputs = await digestBuildOutputs(repo.dir)
    expect(Object.keys(coldOutputs)).toHaveLength(6)

    const commit = cold.summary.scm?.sha
    expect(commit).toMatch(/^[0-9a-f]{40}$/u)
    const stored = (await listFiles(hoard().storageDir)).map((file) => basename(file))
    for (const hash of taskHashes(cold.summary)) {
      expect(stored, `storage holds ${hash}`).toContain(hash)
      const head = await headArtifact(remote, hash)
      expect(head.status).toBe(200)
      expect(Number(head.headers.get("x-artifact-duration"))).toBeGreaterThanOrEqual(minimumBuildMillis)
      expect(head.headers.get("x-artifact-sha")).toBe(commit)
      const body = Buffer.from(await (await getArtifact(remote, hash)).arrayBuffer())
      expect(body.subarray(0, 4)).toEqual(zstdMagic)
      expect(Number(head.headers.get("content-length"))).toBe(body.length)
    }
  })

  it("after wiping local cache and outputs: every task is a remote hit, outputs byte-identical", async () => {
    await repo.wipeLocalState()
    expect(await digestBuildOutputs(repo.dir)).toEqual({})

    warm = await runBuild(repo, remote)
    expectAllRemoteHits(warm)
    expect(taskHashes(warm.summary)).toEqual(taskHashes(cold.summary))
    expect(await digestBuildOutputs(repo.dir)).toEqual(coldOutputs)
  })

  it("reports the recorded task duration as non-zero time saved", async () => {
    for (const task of warm.summary.tasks) {
      const head = await headArtifact(remote, task.hash)
      expect(task.cache.timeSaved).toBeGreaterThanOrEqual(minimumBuildMillis)
      expect(task.cache.timeSaved).toBe(Number(head.headers.get("x-artifact-duration")))
    }
  })

  it("--dry=json after wiping local state shows every task as a remote hit, via the batch query", async () => {
    await repo.wipeLocalState()
    const proxy = await startRecordingProxy(hoard().url)
    const dry = await dryRunBuild(repo, { ...remote, api: proxy.url }).finally(() => proxy.close())
    const hashes = taskHashes(cold.summary)
    for (const hash of hashes) {
      const task = dry.summary.tasks.find((candidate) => candidate.hash === hash)
      expect(task?.cache, dry.output).toMatchObject({ status: "HIT", source: "REMOTE", remote: true, local: false })
      expect(task?.cache.timeSaved).toBeGreaterThanOrEqual(minimumBuildMillis)
    }
    // One POST /v8/artifacts answered everything: no per-hash HEAD fallback (which a bad answer would cause).
    const artifactRequests = proxy.requests().filter(({ url }) => !url.startsWith("/v8/artifacts/status"))
    expect(artifactRequests).toEqual([{ method: "POST", url: `/v8/artifacts?slug=${remote.team}`, status: 200 }])
    const answer = await queryArtifacts(remote, hashes)
    expect(Object.keys(answer).sort()).toEqual([...hashes].sort())
    for (const task of dry.summary.tasks) {
      expect(answer[task.hash]?.taskDurationMs).toBe(task.cache.timeSaved)
    }
    // A dry run restores nothing.
    expect(await digestBuildOutputs(repo.dir)).toEqual({})
  })
})

describe("TURBO_API with a trailing slash (turbo then requests //v8/...)", () => {
  let repo: FixtureRepo
  let proxy: RecordingProxy
  let remote: RemoteCacheEnv

  beforeAll(async () => {
    repo = await createFixtureRepo()
    proxy = await startRecordingProxy(hoard().url)
    remote = { api: `${proxy.url}/`, token: hoard().token, team: randomTeam() }
  })
  afterAll(async () => {
    await proxy.close()
    await repo.cleanup()
  })

  it("uploads on a cold run and hits remotely after a wipe", async () => {
    // A new team is a new namespace: the other scenario's artifacts (same hashes) are not visible.
    const cold = await runBuild(repo, remote)
    expectAllExecuted(cold)
    const outputs = await digestBuildOutputs(repo.dir)
    const hashes = taskHashes(cold.summary)
    for (const hash of hashes) {
      expect((await headArtifact({ ...remote, api: hoard().url }, hash)).status).toBe(200)
    }

    await repo.wipeLocalState()
    const warm = await runBuild(repo, remote)
    expectAllRemoteHits(warm)
    expect(await digestBuildOutputs(repo.dir)).toEqual(outputs)

    // The double-slash paths really went over the wire, and were served.
    const requests = proxy.requests()
    expect(requests.every(({ url }) => url.startsWith("//v8/artifacts")), JSON.stringify(requests)).toBe(true)
    for (const hash of hashes) {
      const url = `//v8/artifacts/${hash}?slug=${remote.team}`
      expect(requests).toContainEqual({ method: "PUT", url, status: 202 })
      expect(requests).toContainEqual({ method: "GET", url, status: 200 })
    }
  })
})
