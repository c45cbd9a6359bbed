import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectedArtifactTag, getArtifact, headArtifact } from "../src/cacheApi.ts"
import { createFixtureRepo } from "../src/fixtureRepo.ts"
import type { FixtureRepo } from "../src/fixtureRepo.ts"
import { useHoardServer } from "../src/hoardLifecycle.ts"
import { digestBuildOutputs } from "../src/outputs.ts"
import { expectAllExecuted, expectAllRemoteHits, randomSignatureKey, randomTeam, runBuild, taskHashes } from "../src/scenario.ts"
import type { RemoteCacheEnv } from "../src/turboRun.ts"

const hoard = useHoardServer()

/**
 * Checks the tag Hoard hands back for `hash` (on GET and HEAD) is the one `key`
 * produces over the stored bytes: Hoard kept both byte for byte.
 */
const expectStoredTagSignedWith = async (remote: RemoteCacheEnv, key: string, hash: string): Promise<void> => {
  const response = await getArtifact(remote, hash)
  expect(response.status).toBe(200)
  const body = Buffer.from(await response.arrayBuffer())
  // Only a slug is configured, so the team id in the signed message is empty.
  expect(response.headers.get("x-artifact-tag"), `tag of ${hash}`).toBe(expectedArtifactTag(key, hash, "", body))
  expect((await headArtifact(remote, hash)).headers.get("x-artifact-tag")).toBe(response.headers.get("x-artifact-tag"))
}

describe("signed artifacts (remoteCache.signature)", () => {
  const key = randomSignatureKey()
  const otherKey = randomSignatureKey()
  let repo: FixtureRepo
  let remote: RemoteCacheEnv
  let hashes: ReadonlyArray<string>
  let signedOutputs: Record<string, string>

  beforeAll(async () => {
    repo = await createFixtureRepo({ turboJson: (json) => ({ ...json, remoteCache: { signature: true } }) })
    remote = { api: hoard().url, token: hoard().token, team: randomTeam(), signatureKey: key }
  })
  afterAll(() => repo.cleanup())

  it("a cold run uploads every artifact with its x-artifact-tag", async () => {
    const cold = await runBuild(repo, remote)
    expectAllExecuted(cold)
    hashes = taskHashes(cold.summary)
    signedOutputs = await digestBuildOutputs(repo.dir)
    for (const hash of hashes) {
      await expectStoredTagSignedWith(remote, key, hash)
    }
  })

  it("a wiped run with the same key hits remotely", async () => {
    await repo.wipeLocalState()
    const warm = await runBuild(repo, remote)
    expectAllRemoteHits(warm)
    expect(await digestBuildOutputs(repo.dir)).toEqual(signedOutputs)
  })

  it("a wiped run with a different key rejects the tags, re-executes and exits 0", async () => {
    await repo.wipeLocalState()
    const rejected = await runBuild(repo, { ...remote, signatureKey: otherKey })
    expectAllExecuted(rejected)
    expect(taskHashes(rejected.summary)).toEqual(hashes)
    // Fresh random bytes: the outputs were rebuilt, not restored.
    const rebuilt = await digestBuildOutputs(repo.dir)
    expect(Object.keys(rebuilt).sort()).toEqual(Object.keys(signedOutputs).sort())
    expect(rebuilt).not.toEqual(signedOutputs)
    // turbo re-uploaded the same hashes, signed with the other key: Hoard accepted the overwrite.
    for (const hash of hashes) {
      await expectStoredTagSignedWith(remote, otherKey, hash)
    }

    await repo.wipeLocalState()
    const warm = await runBuild(repo, { ...remote, signatureKey: otherKey })
    expectAllRemoteHits(warm)
    expect(await digestBuildOutputs(repo.dir)).toEqual(rebuilt)
  })
})
