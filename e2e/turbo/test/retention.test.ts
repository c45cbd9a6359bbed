import { randomBytes } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { putArtifact, readCacheRetention } from "../src/retentionApi.ts"
import type { CacheRetention } from "../src/retentionApi.ts"
import { headArtifact } from "../src/cacheApi.ts"
import { startHoard } from "../src/hoardProcess.ts"
import type { HoardProcess } from "../src/hoardProcess.ts"
import { startRecordingProxy } from "../src/recordingProxy.ts"
import type { RecordedRequest, RecordingProxy } from "../src/recordingProxy.ts"
import { readRunSummary, taskById } from "../src/runSummary.ts"
import { expectCleanRemoteCacheRun, randomTeam } from "../src/scenario.ts"
import type { BuildRun } from "../src/scenario.ts"
import { runTurbo } from "../src/turboRun.ts"
import type { RemoteCacheEnv } from "../src/turboRun.ts"
import { createWideFixtureRepo } from "../src/wideFixture.ts"
import type { WideFixtureRepo } from "../src/wideFixture.ts"

/**
 * Six independent packages; a CI job that builds only the odd ones reads them
 * back, so the even ones become the least recently used, and another team's
 * upload then pushes the cache over its budget.
 */
const survivors = ["pkg-1", "pkg-3", "pkg-5"] as const
const evictees = ["pkg-2", "pkg-4", "pkg-6"] as const
const packages = ["pkg-1", "pkg-2", "pkg-3", "pkg-4", "pkg-5", "pkg-6"]

/** Each build writes this many random bytes: artifacts of ~33 KB each, ~200 KB for all six. */
const outputBytes = 32 * 1024
/**
 * The whole cache's budget. The filler tops the cache up to its low watermark
 * (90%) plus the three least recently used artifacts less `slack`: over the
 * budget (they are more than 10% of it) and under the hard ceiling (less than
 * 20%), so the upload is accepted and the evictor removes exactly those three.
 */
const maxSizeBytes = 700_000
const lowWatermarkBytes = Math.floor(maxSizeBytes * 0.9)
const slack = 1024
/** How often the test looks whether the evictor (woken by the upload that exceeds the budget) is done. */
const pollMillis = 200

const taskId = (name: string) => `${name}#build`
const taskLabel = (name: string) => `${name}:build`

describe("turbo after the evictor removed the least recently used artifacts", () => {
  let hoard: HoardProcess
  let proxy: RecordingProxy
  let repo: WideFixtureRepo
  let remote: RemoteCacheEnv
  let direct: RemoteCacheEnv
  const hashes = new Map<string, string>()
  const coldOutputs = new Map<string, Record<string, string>>()

  /** `turbo run build` (only `filters`' packages when given), with what it asked the proxy for. */
  const build = async (filters: ReadonlyArray<string> = []): Promise<BuildRun & { requests: ReadonlyArray<RecordedRequest> }> => {
    const before = proxy.requests().length
    const args = ["run", "build", ...filters.map((name) => `--filter=${name}`), "--summarize", "--output-logs=full"]
    const result = await runTurbo(repo.dir, repo.home, remote, args)
    const output = `${result.stdout}\n${result.stderr}`
    expect(result.exitCode, output).toBe(0)
    expectCleanRemoteCacheRun(output)
    return { summary: await readRunSummary(repo.dir, output), output, requests: proxy.requests().slice(before) }
  }

  const artifactUrl = (name: string) => `/v8/artifacts/${hashes.get(name)}?slug=${remote.team}`
  const sizeOf = async (name: string) => {
    const head = await headArtifact(direct, hashes.get(name)!)
    expect(head.status, `HEAD ${name}`).toBe(200)
    return Number(head.headers.get("content-length"))
  }

  beforeAll(async () => {
    hoard = await startHoard({ maxSize: String(maxSizeBytes) })
    proxy = await startRecordingProxy(hoard.url)
    repo = await createWideFixtureRepo({ packages, outputBytes })
    remote = { api: proxy.url, token: hoard.token, team: randomTeam() }
    direct = { ...remote, api: hoard.url }
  })
  afterAll(async () => {
    await proxy?.close()
    await repo?.cleanup()
    if (hoard === undefined) return
    try {
      const exit = await hoard.stop(5_000)
      expect(exit, `hoard exit after SIGTERM; its output:\n${hoard.output()}`).toEqual({ code: 0, signal: null })
    } finally {
      await hoard.cleanup()
    }
  })

  it("cold run: every task misses, executes and is uploaded, within the budget", async () => {
    const cold = await build()
    expect(cold.summary.tasks.map((task) => task.taskId).sort()).toEqual(repo.taskIds)
    for (const name of packages) {
      const task = taskById(cold.summary, taskId(name))
      expect(task.cache, cold.output).toMatchObject({ status: "MISS", local: false, remote: false })
      hashes.set(name, task.hash)
      coldOutputs.set(name, await repo.digestOutputs(name))
      expect(cold.requests).toContainEqual({ method: "PUT", url: artifactUrl(name), status: 202 })
    }
    const cache = await readCacheRetention(direct)
    expect(cache).toMatchObject({ artifact_count: 6, max_size_bytes: maxSizeBytes, evicted: { count: 0, bytes: 0 } })
    expect(cache.storage_bytes).toBeLessThan(maxSizeBytes)
  })

  it("a CI job building only some packages reads them back from the remote cache", async () => {
    await repo.wipeLocalState()
    const partial = await build(survivors)
    expect(partial.summary.tasks.map((task) => task.taskId).sort()).toEqual(survivors.map(taskId))
    for (const name of survivors) {
      expect(taskById(partial.summary, taskId(name)).cache, partial.output).toMatchObject({ status: "HIT", source: "REMOTE" })
      expect(partial.requests).toContainEqual({ method: "GET", url: artifactUrl(name), status: 200 })
    }
    expect(partial.requests.filter(({ method }) => method === "PUT")).toEqual([])
  })

  it("another team's upload takes the cache over its budget: the evictor removes the least recently used", async () => {
    const survivorBytes = (await Promise.all(survivors.map(sizeOf))).reduce((sum, size) => sum + size, 0)
    const evicteeBytes = (await Promise.all(evictees.map(sizeOf))).reduce((sum, size) => sum + size, 0)
    // The scenario's arithmetic, checked against the real artifact sizes.
    expect(evicteeBytes - slack, "the three evictees take the cache over its budget").toBeGreaterThan(maxSizeBytes - lowWatermarkBytes)
    expect(evicteeBytes - slack, "and not past its hard ceiling").toBeLessThanOrEqual(maxSizeBytes * 1.1 - lowWatermarkBytes)

    const other = { ...direct, team: randomTeam() }
    const fillerHash = randomBytes(8).toString("hex")
    const filler = randomBytes(lowWatermarkBytes - survivorBytes - slack)
    const put = await putArtifact(other, fillerHash, filler)
    expect(put.status, await put.text()).toBe(202)

    let cache: CacheRetention = await readCacheRetention(direct)
    for (const deadline = Date.now() + 10_000; cache.evicted.count < evictees.length && Date.now() < deadline;) {
      await sleep(pollMillis)
      cache = await readCacheRetention(direct)
    }
    expect(cache.evicted, JSON.stringify(cache)).toEqual({ count: evictees.length, bytes: evicteeBytes })
    expect(cache.storage_bytes).toBe(lowWatermarkBytes - slack)
    for (const name of evictees) expect((await headArtifact(direct, hashes.get(name)!)).status, `HEAD ${name}`).toBe(404)
    for (const name of survivors) expect((await headArtifact(direct, hashes.get(name)!)).status, `HEAD ${name}`).toBe(200)
    expect((await headArtifact(other, fillerHash)).status, "HEAD the filler").toBe(200)
  })

  it("after a wipe: the evicted tasks re-execute and are uploaded again, the others are remote hits, byte-identical", async () => {
    await repo.wipeLocalState()
    const warm = await build()
    expect(warm.summary.tasks.map((task) => task.taskId).sort()).toEqual(repo.taskIds)
    for (const name of evictees) {
      const task = taskById(warm.summary, taskId(name))
      expect(task.hash).toBe(hashes.get(name))
      expect(task.cache, `${name}\n${warm.output}`).toMatchObject({ status: "MISS", local: false, remote: false })
      expect(warm.output).toContain(`${taskLabel(name)}: cache miss, executing ${task.hash}`)
      expect(warm.requests).toContainEqual({ method: "GET", url: artifactUrl(name), status: 404 })
      expect(warm.requests).toContainEqual({ method: "PUT", url: artifactUrl(name), status: 202 })
      // Executed again: new random bytes.
      expect(await repo.digestOutputs(name)).not.toEqual(coldOutputs.get(name))
      expect((await headArtifact(direct, task.hash)).status, `HEAD ${name} after the re-upload`).toBe(200)
    }
    for (const name of survivors) {
      const task = taskById(warm.summary, taskId(name))
      expect(task.hash).toBe(hashes.get(name))
      expect(task.cache, `${name}\n${warm.output}`).toMatchObject({ status: "HIT", source: "REMOTE", local: false, remote: true })
      expect(warm.output).toContain(`${taskLabel(name)}: cache hit, replaying logs ${task.hash}`)
      expect(warm.requests).toContainEqual({ method: "GET", url: artifactUrl(name), status: 200 })
      expect(warm.requests.filter(({ method, url }) => method === "PUT" && url === artifactUrl(name))).toEqual([])
      expect(await repo.digestOutputs(name)).toEqual(coldOutputs.get(name))
    }
  })
})
