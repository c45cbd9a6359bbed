import { assert } from "@effect/vitest"
import { CacheIndex, staleUploadMs } from "@hoard/core"
import type { ArtifactQuery, ArtifactStatus, IndexedArtifact, IndexWrite } from "@hoard/core"
import { Effect, Option } from "effect"
import {
  allArtifacts,
  allSuccessHashes,
  artifactEvent,
  artifactOrder,
  eventWrite,
  makeEvent,
  randomHash,
  randomHour,
  randomTeamId,
  seededRandom
} from "../helpers.ts"
import { orderedHashes, testTimeout, write } from "./fixtures.ts"
import type { IndexIt, SuiteOptions } from "./fixtures.ts"

const creating = {
  success: "artifact.uploaded",
  registered: "artifact.upload_started",
  failed: "artifact.upload_failed",
  missing: "artifact.missed"
} as const

interface Planted {
  readonly hash: string
  readonly status: ArtifactStatus
  readonly updatedAt: number
  readonly sha: string | undefined
}

const hashesOf = (rows: ReadonlyArray<{ readonly hash: string }>): Array<string> => rows.map((row) => row.hash)

const assertOrdered = (rows: ReadonlyArray<IndexedArtifact>, what: string): void => {
  for (let i = 1; i < rows.length; i++) {
    assert.isTrue(
      artifactOrder(rows[i - 1]!, rows[i]!) < 0,
      `${what}: rows ${i - 1} and ${i} are in order (updatedAt desc, hash asc): ${JSON.stringify([rows[i - 1]!, rows[i]!].map((row) => [row.updatedAt, row.hash]))}`
    )
  }
}

/** Plants records with many ties in `updatedAt`, of every status, some with a sha. */
const plant = (team: string, t: number, count: number, seed: number) =>
  Effect.gen(function*() {
    const random = seededRandom(seed)
    const statuses: ReadonlyArray<ArtifactStatus> = ["success", "success", "registered", "failed", "missing"]
    const planted: Array<Planted> = []
    const writes: Array<IndexWrite> = []
    for (const hash of orderedHashes(count, random.pick(["a", "b", "c"]))) {
      const status = random.pick(statuses)
      const updatedAt = t + random.int(0, 9) * 1000
      // Uploads carry a sha to the record (a miss or a failed upload of an absent artifact has none).
      const sha = (status === "success" || status === "registered") && random.chance(0.6)
        ? random.pick(["sha-one", "sha-two"])
        : undefined
      planted.push({ hash, status, updatedAt, sha })
      writes.push(artifactEvent(creating[status], team, hash, updatedAt, { size: 10, ...(sha === undefined ? {} : { sha }) }))
    }
    // Shuffled: the order written must not matter.
    for (let i = writes.length - 1; i > 0; i--) {
      const j = random.int(0, i)
      ;[writes[i], writes[j]] = [writes[j]!, writes[i]!]
    }
    yield* write(...writes)
    return planted.sort((a, b) => b.updatedAt - a.updatedAt || (a.hash < b.hash ? -1 : 1))
  })

export const artifactListingTests = (it: IndexIt, options: SuiteOptions): void => {
  it.effect("listArtifacts: most recently updated first, then by hash, in pages of any size", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const now = t + 10_000
      const planted = yield* plant(team, t, 40, options.seed + 10)
      const index = yield* CacheIndex
      const one = yield* index.listArtifacts({ teamId: team, limit: 100, now })
      assert.deepStrictEqual(hashesOf(one.artifacts), hashesOf(planted), "one page")
      assertOrdered(one.artifacts, "one page")
      assert.isUndefined(one.nextCursor, "no next page after the last row")
      for (const limit of [1, 3, 7, 40]) {
        assert.deepStrictEqual(hashesOf(yield* allArtifacts({ teamId: team, now }, limit)), hashesOf(planted), `pages of ${limit}`)
      }
      const first = yield* index.listArtifacts({ teamId: team, limit: 5, now })
      assert.strictEqual(first.artifacts.length, 5, "a first page of 5")
      assert.isDefined(first.nextCursor, "more pages")
      assert.deepStrictEqual((yield* index.listArtifacts({ teamId: randomTeamId(), limit: 5, now })).artifacts, [], "another team has none")
    }), testTimeout)

  it.effect("listArtifacts filters by status, sha, from (inclusive) and to (exclusive)", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const now = t + 10_000
      const planted = yield* plant(team, t, 60, options.seed + 11)
      const queries: ReadonlyArray<readonly [Omit<ArtifactQuery, "teamId" | "limit" | "now" | "cursor">, (row: Planted) => boolean]> = [
        [{ status: "success" }, (row) => row.status === "success"],
        [{ status: "registered" }, (row) => row.status === "registered"],
        [{ status: "failed" }, (row) => row.status === "failed"],
        [{ status: "missing" }, (row) => row.status === "missing"],
        [{ sha: "sha-one" }, (row) => row.sha === "sha-one"],
        [{ sha: "sha-none" }, () => false],
        [{ from: t + 3000 }, (row) => row.updatedAt >= t + 3000],
        [{ to: t + 3000 }, (row) => row.updatedAt < t + 3000],
        [{ from: t + 2000, to: t + 6000 }, (row) => row.updatedAt >= t + 2000 && row.updatedAt < t + 6000],
        [{ from: t + 4000, to: t + 4000 }, () => false],
        [{ status: "success", sha: "sha-two", from: t + 1000, to: t + 8000 }, (row) =>
          row.status === "success" && row.sha === "sha-two" && row.updatedAt >= t + 1000 && row.updatedAt < t + 8000]
      ]
      for (const [query, keep] of queries) {
        const expected = hashesOf(planted.filter(keep))
        for (const limit of [2, 100]) {
          const rows = yield* allArtifacts({ teamId: team, now, ...query }, limit)
          assert.deepStrictEqual(hashesOf(rows), expected, `${JSON.stringify(query)} in pages of ${limit}`)
        }
      }
      for (const status of ["success", "registered", "failed", "missing"] as const) {
        assert.isTrue(planted.some((row) => row.status === status), `the planted records include a ${status} one`)
      }
    }), testTimeout)

  it.effect("listArtifacts pages never skip or repeat a row while writes continue", () =>
    Effect.gen(function*() {
      const random = seededRandom(options.seed + 12)
      const team = randomTeamId()
      const other = randomTeamId()
      const t = randomHour()
      const now = t + 20_000
      const planted = yield* plant(team, t + 1000, 60, options.seed + 13)
      const existing = hashesOf(planted)
      const between = () =>
        write(
          // New rows: ties with existing times (hashes before and after), newer, older.
          ...Array.from({ length: 4 }, () =>
            artifactEvent(random.pick(["artifact.uploaded", "artifact.upload_started"] as const), team, randomHash(), t + random.int(0, 12) * 1000, { size: 1 })
          ),
          // Downloads of existing rows change no position.
          artifactEvent("artifact.downloaded", team, random.pick(existing), t + 15_000, { size: 10 }),
          artifactEvent("artifact.uploaded", other, random.pick(existing), t + 5000, { size: 1 }),
          eventWrite(makeEvent("usage.hit", team, t, { source: "REMOTE", duration_ms: 1 }))
        )
      for (const query of [{}, { status: "success" as const }]) {
        const rows = yield* allArtifacts({ teamId: team, now, ...query }, 7, between)
        const listed = hashesOf(rows)
        assert.strictEqual(new Set(listed).size, listed.length, `no row twice (${JSON.stringify(query)})`)
        assertOrdered(rows, `pages with writes between (${JSON.stringify(query)})`)
        const wanted = planted.filter((row) => query.status === undefined || row.status === query.status)
        for (const row of wanted) {
          assert.strictEqual(listed.filter((hash) => hash === row.hash).length, 1, `${row.hash}, there before the first page, listed once`)
        }
        for (const row of rows) assert.strictEqual(row.teamId, team)
      }
    }), testTimeout)

  it.effect("getArtifact of another team or of an unknown hash is none", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const [team, other] = [randomTeamId(), randomTeamId()]
      const t = randomHour()
      const hash = randomHash()
      yield* write(artifactEvent("artifact.uploaded", team, hash, t, { size: 1 }))
      assert.isTrue(Option.isSome(yield* index.getArtifact(team, hash, t)))
      assert.isTrue(Option.isNone(yield* index.getArtifact(other, hash, t)), "another team")
      assert.isTrue(Option.isNone(yield* index.getArtifact(team, randomHash(), t)), "an unknown hash")
    }), testTimeout)

  it.effect("successHashes pages through the success hashes in ascending order", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const team = randomTeamId()
      const t = randomHour()
      const hashes = Array.from({ length: 30 }, randomHash)
      const success = hashes.slice(0, 23).sort()
      yield* write(
        ...hashes.slice(0, 23).map((hash, i) => artifactEvent("artifact.uploaded", team, hash, t + i, { size: 1 })),
        artifactEvent("artifact.upload_started", team, hashes[23]!, t - staleUploadMs * 2, { size: 1 }),
        artifactEvent("artifact.upload_started", team, hashes[24]!, t, { size: 1 }),
        artifactEvent("artifact.upload_failed", team, hashes[25]!, t),
        artifactEvent("artifact.missed", team, hashes[26]!, t),
        artifactEvent("artifact.uploaded", team, hashes[27]!, t, { size: 1 }),
        artifactEvent("artifact.missed", team, hashes[27]!, t + 1),
        artifactEvent("artifact.uploaded", team, hashes[28]!, t, { size: 1 }),
        artifactEvent("artifact.deleted", team, hashes[28]!, t + 1),
        artifactEvent("artifact.uploaded", randomTeamId(), hashes[29]!, t, { size: 1 })
      )
      assert.deepStrictEqual(yield* index.successHashes(team, undefined, 10), success.slice(0, 10), "the first page")
      assert.deepStrictEqual(yield* index.successHashes(team, success[9], 10), success.slice(10, 20), "after the first page")
      assert.deepStrictEqual(yield* index.successHashes(team, success[19], 10), success.slice(20), "the last page")
      assert.deepStrictEqual(yield* index.successHashes(team, success[22], 10), [], "after the last")
      assert.deepStrictEqual(yield* index.successHashes(team, undefined, 100), success, "all at once")
      for (const limit of [1, 4, 23]) assert.deepStrictEqual(yield* allSuccessHashes(team, limit), success, `in pages of ${limit}`)
      // `after` need not be a hash of the team: strictly greater ones follow.
      const middle = `${success[11]!}0`
      assert.deepStrictEqual(yield* index.successHashes(team, middle, 100), success.slice(12), "after a hash not in the list")
      assert.deepStrictEqual(yield* index.successHashes(team, "", 100), success, "after the empty string")
      assert.deepStrictEqual(yield* index.successHashes(randomTeamId(), undefined, 10), [], "a team without records")
    }), testTimeout)

  it.effect("teams lists every team that has records", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const [withSuccess, withMissing, withRegistered] = [randomTeamId(), randomTeamId(), randomTeamId()]
      const t = randomHour()
      yield* write(
        artifactEvent("artifact.uploaded", withSuccess, randomHash(), t, { size: 1 }),
        artifactEvent("artifact.missed", withMissing, randomHash(), t),
        artifactEvent("artifact.upload_started", withRegistered, randomHash(), t, { size: 1 })
      )
      const teams = yield* index.teams
      assert.includeMembers([...teams], [withSuccess, withMissing, withRegistered])
      assert.strictEqual(new Set(teams).size, teams.length, "each team once")
    }), testTimeout)
}
