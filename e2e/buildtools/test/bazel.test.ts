import { createHash, randomBytes } from "node:crypto"
import { appendFile } from "node:fs/promises"
import { join } from "node:path"
import { useHoardServer } from "@hoard/e2e-turbo/hoardLifecycle"
import { startRecordingProxy } from "@hoard/e2e-turbo/recordingProxy"
import type { RecordedRequest } from "@hoard/e2e-turbo/recordingProxy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ciTokens, teamStorage } from "../src/teamStorage.ts"
import { build, digestBazelBin, expunge, fixtureOutputs, withBasicAuth } from "../src/bazelRun.ts"
import type { BazelBuildResult } from "../src/bazelRun.ts"
import { createBazelWorkspace } from "../src/bazelWorkspace.ts"
import type { BazelWorkspace } from "../src/bazelWorkspace.ts"

const team = { id: "team_e2e_bazel", slug: "e2e-bazel", name: "E2E Bazel" }

const tokens = ciTokens(team.slug)

const hoard = useHoardServer({ access: { teams: [team], tokens: Object.values(tokens) } })

/** The team's stored files (`teamStorage`): what a write would change. */
const storedFiles = () => teamStorage(hoard().storageDir, team.id)

/** The digests stored under `bazel-<kind>-<sha256>` (fs layout `<2-char shard>/bazel-<kind>-<sha256>`), sorted. */
const storedDigests = (stored: Record<string, string>, kind: "ac" | "cas"): ReadonlyArray<string> =>
  Object.keys(stored)
    .map((path) => {
      const match = new RegExp(`^([0-9a-f]{2})/bazel-${kind}-([0-9a-f]{64})$`, "u").exec(path)
      return match?.[1] !== undefined && match[2]?.startsWith(match[1]) ? match[2] : undefined
    })
    .filter((digest) => digest !== undefined)
    .sort()

/** GETs a stored entry back through Hoard's Bazel route with the read-write token. */
const fetchEntry = async (kind: "ac" | "cas", digest: string): Promise<Buffer> => {
  const response = await fetch(`${hoard().url}/bazel/${team.slug}/${kind}/${digest}`, {
    headers: { Authorization: `Bearer ${tokens.ciWrite.token}` }
  })
  expect(response.status, `GET ${kind}/${digest}`).toBe(200)
  return Buffer.from(await response.arrayBuffer())
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** `METHOD kind/digest status` rows, sorted, for order-insensitive comparison. */
const rows = (requests: ReadonlyArray<RecordedRequest>) =>
  requests.map(({ method, status, url }) => `${method} ${url.replace(`/bazel/${team.slug}/`, "")} ${status}`).sort()

interface Run extends BazelBuildResult {
  /** Every request Bazel made to Hoard, as a pass-through proxy saw it. */
  readonly requests: ReadonlyArray<RecordedRequest>
}

/** Builds the fixture's targets with `--remote_cache=http://<user>:<token>@<proxy>/bazel/<team>` (Basic). */
const buildThroughHoard = async (workspace: BazelWorkspace, token: string, upload = true): Promise<Run> => {
  const proxy = await startRecordingProxy(hoard().url)
  try {
    const url = withBasicAuth(`${proxy.url}/bazel/${team.slug}`, token, "ci")
    const result = await build(workspace, { url, upload })
    return { ...result, requests: proxy.requests() }
  } finally {
    await proxy.close()
  }
}

const context = (run: Run) =>
  [
    `processes: ${JSON.stringify(run.processes)}`,
    `warnings: ${JSON.stringify(run.remoteCacheWarnings)}`,
    `requests:\n${rows(run.requests).join("\n")}`,
    `bazel output:\n${run.output}`,
    `hoard output:\n${hoard().output()}`
  ].join("\n")

/** The AC key of the one action result lookup that missed. */
const changedActionOf = (run: Run): string => {
  const misses = run.requests.filter(({ status }) => status === 404)
  expect(misses.map(({ method, url }) => `${method} ${url.split("/").slice(-2, -1).join("")}`), context(run)).toEqual(["GET ac"])
  return misses[0]?.url.split("/").at(-1) ?? ""
}

describe("Bazel's HTTP remote cache through Hoard", () => {
  let ci: BazelWorkspace
  let pullRequest: BazelWorkspace
  let readOnlyVariant: BazelWorkspace
  let cold: Run
  let stored: Record<string, string>
  let acDigests: ReadonlyArray<string>
  let casDigests: ReadonlyArray<string>
  /** The AC key of the action that writes each output. */
  const actionOf: Record<string, string> = {}

  beforeAll(async () => {
    ;[ci, pullRequest, readOnlyVariant] = await Promise.all([
      createBazelWorkspace(),
      createBazelWorkspace(),
      createBazelWorkspace()
    ])
  })
  /** The reads of a build where only shout.txt's action changed: the other two are served. */
  const unchangedReads = (changedAction: string) =>
    [
      `GET ac/${changedAction} 404`,
      ...["greeting.txt", "blob.bin"].flatMap((file) => [`GET ac/${actionOf[file]} 200`, `GET cas/${cold.outputs[file]} 200`])
    ].sort()

  afterAll(async () => {
    await Promise.all([ci?.cleanup(), pullRequest?.cleanup(), readOnlyVariant?.cleanup()])
  })

  it("a cold build (Basic credentials) runs every action and uploads its action results and content", async () => {
    expect(await storedFiles()).toEqual({})
    cold = await buildThroughHoard(ci, tokens.ciWrite.token)
    expect(cold.exitCode, context(cold)).toBe(0)
    expect(cold.remoteCacheWarnings, context(cold)).toEqual([])
    // The three genrules ran locally (sandboxed); none was a remote hit.
    expect(cold.remoteCacheHits, context(cold)).toBe(0)
    expect(cold.processes["linux-sandbox"] ?? cold.processes["local"] ?? 0, context(cold)).toBe(3)
    expect(Object.keys(cold.outputs)).toEqual([...fixtureOutputs])

    stored = await storedFiles()
    acDigests = storedDigests(stored, "ac")
    casDigests = storedDigests(stored, "cas")
    // Nothing but Bazel entries, each in its shard.
    expect(acDigests.length + casDigests.length, JSON.stringify(stored, null, 2)).toBe(Object.keys(stored).length)
    expect(acDigests, JSON.stringify(stored, null, 2)).toHaveLength(3)
    // Every output is in the content store under its own SHA-256.
    for (const digest of Object.values(cold.outputs)) expect(casDigests).toContain(digest)

    // Each AC lookup missed, then Bazel uploaded what the stored entries are.
    const gets = cold.requests.filter(({ method }) => method === "GET")
    expect(rows(gets), context(cold)).toEqual(acDigests.map((digest) => `GET ac/${digest} 404`))
    const puts = cold.requests.filter(({ method }) => method === "PUT")
    expect(rows(puts), context(cold)).toEqual(
      [...acDigests.map((digest) => `PUT ac/${digest} 200`), ...casDigests.map((digest) => `PUT cas/${digest} 200`)].sort()
    )

    // Read back through Hoard, every content entry hashes to its key. Besides the
    // three outputs, Bazel 4.2 stores each action's Action and Command messages;
    // an action's AC key is its Action message's digest, so it is in the CAS too.
    for (const digest of casDigests) expect(sha256(await fetchEntry("cas", digest)), `cas/${digest}`).toBe(digest)
    expect(casDigests, context(cold)).toHaveLength(9)
    for (const digest of acDigests) expect(casDigests).toContain(digest)

    // Each output's digest is named (as the hex string of an ActionResult's
    // OutputFile digest) by exactly one stored action result: that is its action.
    const actionResults = await Promise.all(acDigests.map(async (digest) => [digest, await fetchEntry("ac", digest)] as const))
    for (const [file, digest] of Object.entries(cold.outputs)) {
      const naming = actionResults.filter(([, bytes]) => bytes.includes(digest)).map(([key]) => key)
      expect(naming, file).toHaveLength(1)
      actionOf[file] = naming[0] ?? ""
    }
    expect(new Set(Object.values(actionOf)).size).toBe(3)
  })

  it("after `bazel clean --expunge`, every action is a remote cache hit with byte-identical outputs, and nothing is uploaded", async () => {
    await expunge(ci)
    // The output base is gone, bazel-bin with it.
    expect(await digestBazelBin(ci)).toEqual({})
    const warm = await buildThroughHoard(ci, tokens.ciWrite.token)
    expect(warm.exitCode, context(warm)).toBe(0)
    expect(warm.remoteCacheWarnings, context(warm)).toEqual([])
    expect(warm.remoteCacheHits, context(warm)).toBe(3)
    expect(warm.processes["linux-sandbox"] ?? 0, context(warm)).toBe(0)
    expect(warm.processes["local"] ?? 0, context(warm)).toBe(0)
    expect(warm.outputs).toEqual(cold.outputs)
    // Only reads: each action result, then the output it names.
    expect(rows(warm.requests), context(warm)).toEqual(
      [...acDigests.map((digest) => `GET ac/${digest} 200`), ...Object.values(cold.outputs).map((digest) => `GET cas/${digest} 200`)].sort()
    )
    expect(await storedFiles()).toEqual(stored)
  })

  it("a read-only token: unchanged actions are remote hits, a changed one still builds, Bazel warns that its upload failed, and nothing is stored", async () => {
    await appendFile(join(pullRequest.dir, "message.txt"), `changed in a pull request ${randomBytes(4).toString("hex")}\n`)
    const run = await buildThroughHoard(pullRequest, tokens.prRead.token)
    expect(run.exitCode, context(run)).toBe(0)
    expect(run.remoteCacheHits, context(run)).toBe(2)
    expect(run.processes["linux-sandbox"] ?? run.processes["local"] ?? 0, context(run)).toBe(1)
    expect(run.outputs["greeting.txt"]).toBe(cold.outputs["greeting.txt"])
    expect(run.outputs["blob.bin"]).toBe(cold.outputs["blob.bin"])
    expect(run.outputs["shout.txt"]).toMatch(/^[0-9a-f]{64}$/u)
    expect(run.outputs["shout.txt"]).not.toBe(cold.outputs["shout.txt"])

    // The unchanged actions' results and outputs were read; the changed action missed.
    const changedAction = changedActionOf(run)
    expect(acDigests).not.toContain(changedAction)
    expect(rows(run.requests.filter(({ method }) => method === "GET")), context(run)).toEqual(unchangedReads(changedAction))

    // Bazel uploads content before the action result: its three CAS PUTs (the
    // Action, the Command, shout.txt) got 403, so it never PUT the action result,
    // and it said so in one warning; the build went on and succeeded.
    const puts = rows(run.requests.filter(({ method }) => method === "PUT"))
    expect(puts, context(run)).toHaveLength(3)
    expect(puts.every((row) => /^PUT cas\/[0-9a-f]{64} 403$/u.test(row)), context(run)).toBe(true)
    expect(puts, context(run)).toContain(`PUT cas/${changedAction} 403`)
    expect(puts, context(run)).toContain(`PUT cas/${run.outputs["shout.txt"]} 403`)
    expect(run.remoteCacheWarnings, context(run)).toEqual(["Writing to Remote Cache: 3 errors during bulk transfer"])
    expect(await storedFiles()).toEqual(stored)
  })

  it("a read-only token with --remote_upload_local_results=false: the same kind of change builds with no PUT and no warning", async () => {
    await appendFile(join(readOnlyVariant.dir, "message.txt"), `another pull request ${randomBytes(4).toString("hex")}\n`)
    const run = await buildThroughHoard(readOnlyVariant, tokens.prRead.token, false)
    expect(run.exitCode, context(run)).toBe(0)
    expect(run.remoteCacheHits, context(run)).toBe(2)
    expect(run.processes["linux-sandbox"] ?? run.processes["local"] ?? 0, context(run)).toBe(1)
    expect(run.remoteCacheWarnings, context(run)).toEqual([])
    // Only reads: the unchanged actions were served, the changed one missed, and no PUT at all.
    const changedAction = changedActionOf(run)
    expect(acDigests).not.toContain(changedAction)
    expect(rows(run.requests), context(run)).toEqual(unchangedReads(changedAction))
    expect(run.outputs["greeting.txt"]).toBe(cold.outputs["greeting.txt"])
    expect(run.outputs["blob.bin"]).toBe(cold.outputs["blob.bin"])
    expect(run.outputs["shout.txt"]).not.toBe(cold.outputs["shout.txt"])
    expect(await storedFiles()).toEqual(stored)
  })
})
