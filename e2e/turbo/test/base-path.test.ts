import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { headArtifact } from "../src/cacheApi.ts"
import { createFixtureRepo } from "../src/fixtureRepo.ts"
import type { FixtureRepo } from "../src/fixtureRepo.ts"
import { useHoardServer } from "../src/hoardLifecycle.ts"
import { digestBuildOutputs } from "../src/outputs.ts"
import { expectAllExecuted, expectAllRemoteHits, randomTeam, runBuild, taskHashes } from "../src/scenario.ts"
import type { RemoteCacheEnv } from "../src/turboRun.ts"

const hoard = useHoardServer({ basePath: "/cache" })

describe("Hoard under a base path (--base-path /cache)", () => {
  let repo: FixtureRepo
  let remote: RemoteCacheEnv

  beforeAll(async () => {
    repo = await createFixtureRepo()
    remote = { api: hoard().url, token: hoard().token, team: randomTeam() }
  })
  afterAll(() => repo.cleanup())

  it("announces the base path in its URL", () => {
    expect(hoard().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/cache$/u)
  })

  it("uploads on a cold run and hits remotely after a wipe", async () => {
    const cold = await runBuild(repo, remote)
    expectAllExecuted(cold)
    const outputs = await digestBuildOutputs(repo.dir)
    const origin = new URL(hoard().url).origin
    for (const hash of taskHashes(cold.summary)) {
      expect((await headArtifact(remote, hash)).status).toBe(200)
      // Only the prefixed path serves the cache.
      expect((await headArtifact({ ...remote, api: origin }, hash)).status).toBe(404)
    }

    await repo.wipeLocalState()
    const warm = await runBuild(repo, remote)
    expectAllRemoteHits(warm)
    expect(await digestBuildOutputs(repo.dir)).toEqual(outputs)
  })
})
