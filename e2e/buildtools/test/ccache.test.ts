import { randomBytes } from "node:crypto"
import { appendFile } from "node:fs/promises"
import { join } from "node:path"
import { useHoardServer } from "@hoard/e2e-turbo/hoardLifecycle"
import { startRecordingProxy } from "@hoard/e2e-turbo/recordingProxy"
import type { RecordedRequest } from "@hoard/e2e-turbo/recordingProxy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ciTokens, teamStorage } from "../src/teamStorage.ts"
import { ccacheEntryPath, ccacheKeyPattern } from "../src/ccacheKey.ts"
import type { CcacheLayout } from "../src/ccacheKey.ts"
import { clearLocalCache, compileAll, createCcacheProject } from "../src/ccacheRun.ts"
import type { CcacheAuth, CcacheCompileResult, CcacheProject } from "../src/ccacheRun.ts"

const team = { id: "team_e2e_ccache", slug: "e2e-ccache", name: "E2E ccache" }

const tokens = ciTokens(team.slug)

const hoard = useHoardServer({ access: { teams: [team], tokens: Object.values(tokens) } })

/** The team's stored files (`teamStorage`): what a write would change. */
const storedFiles = () => teamStorage(hoard().storageDir, team.id)

/** Where Hoard's fs storage keeps a ccache key: `<2-char shard>/ccache-<key>`. */
const storedPath = (key: string) => join(key.slice(0, 2), `ccache-${key}`)

/** The request target ccache uses for `key` in `layout`. */
const entryUrl = (key: string, layout: CcacheLayout) => `/ccache/${team.slug}/${ccacheEntryPath(key, layout)}`

/** The ccache key a subdirs-layout request target names. */
const keyOfSubdirsUrl = (url: string): string => {
  const match = new RegExp(`^/ccache/${team.slug}/([0-9a-f]{2})/([0-9a-v]{31})$`, "u").exec(url)
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`not a subdirs-layout entry URL: ${url}`)
  return `${match[1]}${match[2]}`
}

/** The keys ccache's log says it stored remotely (`Stored <key> in http://…`), sorted. */
const keysStoredRemotely = (log: string): ReadonlyArray<string> =>
  [...log.matchAll(/Stored ([0-9a-v]{33}) in http:/gu)].map((match) => match[1] ?? "").sort()

/** `[method, url, status]` rows, sorted, for order-insensitive comparison. */
const rows = (requests: ReadonlyArray<RecordedRequest>) =>
  requests.map(({ method, status, url }) => `${method} ${url} ${status}`).sort()

interface Build {
  readonly result: CcacheCompileResult
  /** Every request ccache made to Hoard, as a pass-through proxy saw it. */
  readonly requests: ReadonlyArray<RecordedRequest>
}

/** compileAll through a recording proxy in front of Hoard's `/ccache/<team>` storage. */
const build = async (project: CcacheProject, auth: CcacheAuth, layout?: CcacheLayout): Promise<Build> => {
  const proxy = await startRecordingProxy(hoard().url)
  try {
    const url = `${proxy.url}/ccache/${team.slug}`
    const result = await compileAll(project, layout === undefined ? { url, auth } : { url, auth, layout })
    return { result, requests: proxy.requests() }
  } finally {
    await proxy.close()
  }
}

/** The counters every scenario pins. */
const counters = ({ stats }: CcacheCompileResult) => ({
  remoteHits: stats.remoteHits,
  remoteMisses: stats.remoteMisses,
  remoteReadHits: stats.remoteReadHits,
  remoteReadMisses: stats.remoteReadMisses,
  remoteWrites: stats.remoteWrites,
  remoteErrors: stats.remoteErrors,
  remoteTimeouts: stats.remoteTimeouts,
  localHits: stats.localHits,
  cacheMisses: stats.cacheMisses
})

const context = ({ requests, result }: Build) =>
  [
    `requests:\n${rows(requests).join("\n")}`,
    `counters: ${JSON.stringify(result.stats.counters)}`,
    `ccache log:\n${result.log}`,
    `hoard output:\n${hoard().output()}`
  ].join("\n")

describe("ccache remote storage through Hoard", () => {
  let ci: CcacheProject
  let otherMachine: CcacheProject
  let cold: CcacheCompileResult
  /** The 6 keys (3 manifests, 3 results) the cold build uploaded. */
  let keys: ReadonlyArray<string>
  let stored: Record<string, string>

  /** Basic credentials in the URL's user-info; no layout attribute, so ccache's default `subdirs`. */
  const ciBasic: CcacheAuth = { basic: tokens.ciWrite.token, user: "ci" }

  beforeAll(async () => {
    ;[ci, otherMachine] = await Promise.all([createCcacheProject(), createCcacheProject()])
  })
  afterAll(async () => {
    await Promise.all([ci?.cleanup(), otherMachine?.cleanup()])
  })

  it("a cold build (Basic credentials, default subdirs layout) misses and uploads every manifest and result", async () => {
    expect(await storedFiles()).toEqual({})
    const run = await build(ci, ciBasic)
    cold = run.result
    expect(ci.sources).toEqual(["src/checksum.c", "src/geometry.c", "src/names.c"])
    expect(Object.keys(cold.objects)).toEqual(["checksum.o", "geometry.o", "names.o"])
    // Per compile: GET manifest (404), GET result via the preprocessor hash (404), compile, PUT both.
    expect(counters(cold), context(run)).toEqual({
      remoteHits: 0,
      remoteMisses: 3,
      remoteReadHits: 0,
      remoteReadMisses: 6,
      remoteWrites: 6,
      remoteErrors: 0,
      remoteTimeouts: 0,
      localHits: 0,
      cacheMisses: 3
    })

    keys = run.requests.filter(({ method }) => method === "PUT").map(({ url }) => keyOfSubdirsUrl(url)).sort()
    expect(keys, context(run)).toHaveLength(6)
    expect(new Set(keys).size).toBe(6)
    for (const key of keys) expect(key).toMatch(ccacheKeyPattern)
    expect(keysStoredRemotely(cold.log)).toEqual(keys)
    expect(rows(run.requests), context(run)).toEqual(
      rows(keys.flatMap((key) => [
        { method: "GET", url: entryUrl(key, "subdirs"), status: 404 },
        { method: "PUT", url: entryUrl(key, "subdirs"), status: 200 }
      ]))
    )

    // Exactly those entries landed in the team's namespace, as `ccache-<key>`.
    stored = await storedFiles()
    expect(Object.keys(stored).sort()).toEqual(keys.map(storedPath).sort())
  })

  it("after wiping the local cache, every compile is a remote hit with byte-identical objects, and nothing is uploaded", async () => {
    await clearLocalCache(ci)
    const run = await build(ci, ciBasic)
    expect(counters(run.result), context(run)).toEqual({
      remoteHits: 3,
      remoteMisses: 0,
      // The manifest, then the result it names.
      remoteReadHits: 6,
      remoteReadMisses: 0,
      remoteWrites: 0,
      remoteErrors: 0,
      remoteTimeouts: 0,
      localHits: 0,
      cacheMisses: 0
    })
    expect(rows(run.requests), context(run)).toEqual(
      rows(keys.map((key) => ({ method: "GET", url: entryUrl(key, "subdirs"), status: 200 })))
    )
    expect(run.result.objects).toEqual(cold.objects)
    expect(await storedFiles()).toEqual(stored)
  })

  it("another machine in the flat layout with a bearer token reads the same entries", async () => {
    const run = await build(otherMachine, { bearer: tokens.ciWrite.token }, "flat")
    expect(counters(run.result), context(run)).toEqual({
      remoteHits: 3,
      remoteMisses: 0,
      remoteReadHits: 6,
      remoteReadMisses: 0,
      remoteWrites: 0,
      remoteErrors: 0,
      remoteTimeouts: 0,
      localHits: 0,
      cacheMisses: 0
    })
    expect(rows(run.requests), context(run)).toEqual(
      rows(keys.map((key) => ({ method: "GET", url: entryUrl(key, "flat"), status: 200 })))
    )
    expect(run.result.objects).toEqual(cold.objects)
    expect(await storedFiles()).toEqual(stored)
  })

  it("a read-only token: unchanged sources are remote hits, a changed source still compiles, its upload is refused (403) and nothing is stored", async () => {
    await clearLocalCache(otherMachine)
    await appendFile(
      join(otherMachine.dir, "src", "names.c"),
      `\nconst char *pull_request_${randomBytes(4).toString("hex")}(void) { return "changed in a pull request"; }\n`
    )
    const run = await build(otherMachine, { basic: tokens.prRead.token, user: "pr" })
    const { log, objects } = run.result
    expect(counters(run.result), context(run)).toEqual({
      remoteHits: 2,
      remoteMisses: 1,
      remoteReadHits: 4,
      remoteReadMisses: 2,
      remoteWrites: 0,
      // The changed compile's first PUT got 403; ccache then leaves the remote alone for the rest of that compile.
      remoteErrors: 1,
      remoteTimeouts: 0,
      localHits: 0,
      cacheMisses: 1
    })

    const unchanged = run.requests.filter(({ status }) => status === 200)
    expect(unchanged.every(({ method, url }) => method === "GET" && keys.includes(keyOfSubdirsUrl(url))), context(run)).toBe(true)
    expect(unchanged).toHaveLength(4)
    const misses = run.requests.filter(({ status }) => status === 404)
    expect(misses.map(({ method }) => method), context(run)).toEqual(["GET", "GET"])
    const puts = run.requests.filter(({ method }) => method === "PUT")
    expect(puts.map(({ status }) => status), context(run)).toEqual([403])
    expect(run.requests).toHaveLength(7)
    const refusedKey = keyOfSubdirsUrl(puts[0]?.url ?? "")
    expect(keys).not.toContain(refusedKey)
    expect(misses.map(({ url }) => keyOfSubdirsUrl(url))).toContain(refusedKey)
    expect(log).toContain(`Failed to put ${entryUrl(refusedKey, "subdirs")} to http storage: status code: 403`)
    expect(keysStoredRemotely(log)).toEqual([])

    expect(objects["checksum.o"]).toBe(cold.objects["checksum.o"])
    expect(objects["geometry.o"]).toBe(cold.objects["geometry.o"])
    expect(objects["names.o"]).toMatch(/^[0-9a-f]{64}$/u)
    expect(objects["names.o"]).not.toBe(cold.objects["names.o"])
    expect(await storedFiles()).toEqual(stored)
  })
})
