import { assert } from "@effect/vitest"
import { CacheIndex, rollupHourMs } from "@hoard/core"
import type { ActivityEvent, ActivityEventData, ActivityEventType, RollupTotals, StoredActivityEvent } from "@hoard/core"
import { Effect, Option } from "effect"
import {
  allArtifacts,
  allEvents,
  emptyTotals,
  eventTime,
  eventWrite,
  hourStart,
  makeEvent,
  randomHash,
  randomHour,
  randomTeamId,
  recount,
  seededRandom
} from "../helpers.ts"
import { makeWorkload } from "../workload.ts"
import { analytics, expectNoRecord, expectTotals, slowTestTimeout, testTimeout, totals, write, writeBatches } from "./fixtures.ts"
import type { IndexIt, SuiteOptions } from "./fixtures.ts"

const hour = rollupHourMs

interface MappingCase {
  readonly name: string
  readonly events: ReadonlyArray<readonly [ActivityEventType, ActivityEventData]>
  readonly expected: RollupTotals
}

const mappingCases: ReadonlyArray<MappingCase> = [
  {
    name: "usage.hit counts by data.source; a remote hit adds its duration_ms to time_saved_ms",
    events: [
      ["usage.hit", { source: "LOCAL", duration_ms: 1000 }],
      ["usage.hit", { source: "REMOTE", duration_ms: 2500 }],
      ["usage.hit", { source: "REMOTE", duration_ms: 700 }],
      ["usage.hit", { source: "REMOTE" }],
      ["usage.hit", { source: "LOCAL" }]
    ],
    expected: totals({ hitsLocal: 2, hitsRemote: 3, timeSaved: 3200 })
  },
  {
    name: "usage.hit without a source is not counted",
    events: [["usage.hit", { duration_ms: 9999 }], ["usage.hit", {}]],
    expected: emptyTotals
  },
  {
    name: "usage.miss counts by data.source",
    events: [
      ["usage.miss", { source: "LOCAL", duration_ms: 100 }],
      ["usage.miss", { source: "LOCAL" }],
      ["usage.miss", { source: "REMOTE", duration_ms: 100 }]
    ],
    expected: totals({ missesLocal: 2, missesRemote: 1 })
  },
  {
    name: "artifact.uploaded counts uploads and data.size bytes (none without a size)",
    events: [
      ["artifact.uploaded", { hash: randomHash(), size: 1000 }],
      ["artifact.uploaded", { hash: randomHash(), size: 24 }],
      ["artifact.uploaded", { hash: randomHash() }],
      ["artifact.uploaded", { size: 3 }]
    ],
    expected: totals({ uploads: 4, bytesUploaded: 1027 })
  },
  {
    name: "artifact.downloaded counts downloads and data.size bytes",
    events: [
      ["artifact.downloaded", { hash: randomHash(), size: 512 }],
      ["artifact.downloaded", { hash: randomHash(), size: 512 }],
      ["artifact.downloaded", { size: 1 }]
    ],
    expected: totals({ downloads: 3, bytesDownloaded: 1025 })
  },
  {
    name: "auth.rejected counts rejected",
    events: [["auth.rejected", { status: 401 }], ["auth.rejected", { status: 403, hash: randomHash() }]],
    expected: totals({ rejected: 2 })
  },
  {
    name: "upload_started, upload_failed, missed, deleted and purge.requested count nothing",
    events: [
      ["artifact.upload_started", { hash: randomHash(), size: 999, duration_ms: 5 }],
      ["artifact.upload_failed", { hash: randomHash(), size: 999 }],
      ["artifact.missed", { hash: randomHash(), size: 999 }],
      ["artifact.deleted", { hash: randomHash(), size: 999 }],
      ["purge.requested", { sha: "1b2c3d4e5f60", purge_id: "purge-1", size: 999 }]
    ],
    expected: emptyTotals
  }
]

/** The recount of `events` in the hours starting in `[hourStart(from), to)`. */
const recountWindow = (events: ReadonlyArray<StoredActivityEvent>, from: number, to: number): RollupTotals => {
  const end = Math.ceil(to / hour) * hour
  return recount(events.filter((event) => event.created_at >= hourStart(from) && event.created_at < end))
}

export const rollupTests = (it: IndexIt, options: SuiteOptions): void => {
  for (const testCase of mappingCases) {
    it.effect(`rollups: ${testCase.name}`, () =>
      Effect.gen(function*() {
        const team = randomTeamId()
        const start = randomHour()
        yield* write(...testCase.events.map(([type, data], i) => eventWrite(makeEvent(type, team, start + i * 1000, data))))
        yield* expectTotals(team, start, start + hour, testCase.expected)
        // Stored or not, the same counts.
        const other = randomTeamId()
        yield* write(...testCase.events.map(([type, data], i) => eventWrite(makeEvent(type, other, start + i * 1000, data), i % 2 === 0)))
        yield* expectTotals(other, start, start + hour, testCase.expected, "half of the events not stored")
      }), testTimeout)
  }

  it.effect("a team without data has empty rollups", () =>
    Effect.gen(function*() {
      const start = randomHour()
      yield* expectTotals(randomTeamId(), start, start + 10 * hour, emptyTotals)
    }), testTimeout)

  it.effect("store: false counts in the rollups only: the event is not stored", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const team = randomTeamId()
      const start = randomHour()
      const events = [
        makeEvent("usage.hit", team, start + 1, { source: "REMOTE", duration_ms: 100 }),
        makeEvent("usage.miss", team, start + 2, { source: "LOCAL" }),
        makeEvent("auth.rejected", team, start + 3, { status: 401 }),
        makeEvent("auth.rejected", team, start + 4, { status: 403 })
      ]
      const storedOne = makeEvent("usage.hit", team, start + 5, { source: "LOCAL" })
      yield* write(...events.map((event) => eventWrite(event, false)), eventWrite(storedOne))
      yield* expectTotals(team, start, start + hour, totals({ hitsRemote: 1, hitsLocal: 1, timeSaved: 100, missesLocal: 1, rejected: 2 }))
      for (const event of events) {
        assert.isTrue(Option.isNone(yield* index.getEvent(team, event.id)), `${event.event_type} with store: false is not stored`)
      }
      assert.deepStrictEqual((yield* allEvents({ teamId: team })).map((event) => event.id), [storedOne.id], "only the stored event is listed")
    }), testTimeout)

  it.effect("events without a team count for the team \"\"; artifact events without a team make no record", () =>
    Effect.gen(function*() {
      // A random hour: other tests (and runs) sharing the database write team "" events elsewhere.
      const start = randomHour()
      const hash = randomHash()
      const before = yield* analytics("", start, start + hour)
      yield* write(
        eventWrite(makeEvent("usage.hit", undefined, start + 10, { source: "REMOTE", duration_ms: 40 })),
        eventWrite(makeEvent("auth.rejected", undefined, start + 20, { status: 401 }), false),
        eventWrite(makeEvent("artifact.uploaded", undefined, start + 30, { hash, size: 8 }))
      )
      const after = yield* analytics("", start, start + hour)
      assert.strictEqual(after.hits.remote - before.hits.remote, 1, "hits.remote of team \"\"")
      assert.strictEqual(after.time_saved_ms - before.time_saved_ms, 40, "time_saved_ms of team \"\"")
      assert.strictEqual(after.rejected - before.rejected, 1, "rejected of team \"\"")
      assert.strictEqual(after.uploads - before.uploads, 1, "uploads of team \"\"")
      assert.strictEqual(after.bytes_uploaded - before.bytes_uploaded, 8, "bytes_uploaded of team \"\"")
      yield* expectNoRecord("", hash, start + hour)
      assert.isFalse((yield* allArtifacts({ teamId: "", now: start + hour }, 100)).some((row) => row.hash === hash))
    }), testTimeout)

  it.effect("an event counts in the hour floor(created_at / 1h)", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const h0 = randomHour()
      const [h1, h2, h3] = [h0 + hour, h0 + 2 * hour, h0 + 3 * hour]
      // One bit of bytes_uploaded per event: a sum tells which events a window counted.
      yield* write(
        ...[[h0 + hour - 1, 8], [h1, 1], [h1 + hour - 1, 2], [h2, 4], [h3 - 1, 16]].map(([at, size]) =>
          eventWrite(makeEvent("artifact.uploaded", team, at!, { size: size! }))
        )
      )
      const bytes = (from: number, to: number) => Effect.map(analytics(team, from, to), (found) => found.bytes_uploaded)
      assert.strictEqual(yield* bytes(h0, h1), 8, "the last millisecond of an hour is in that hour")
      assert.strictEqual(yield* bytes(h1, h2), 3, "the first and last milliseconds of an hour")
      assert.strictEqual(yield* bytes(h2, h3), 20)
      assert.strictEqual(yield* bytes(h3, h3 + hour), 0)
      assert.strictEqual((yield* analytics(team, h1, h2)).uploads, 2)
    }), testTimeout)

  it.effect("analyticsBuckets sums the same hours per bucket, from floor(from to the hour), leaving out empty buckets", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const team = randomTeamId()
      const h0 = randomHour()
      // One bit of bytes_uploaded per event: a bucket's sum tells which events it counted.
      yield* write(
        ...[[h0 + 5, 1], [h0 + hour + 10, 2], [h0 + 3 * hour, 4], [h0 + 3 * hour + 1, 8], [h0 + 6 * hour, 16]].map(([at, size]) =>
          eventWrite(makeEvent("artifact.uploaded", team, at!, { size: size! }))
        )
      )
      yield* write(eventWrite(makeEvent("usage.hit", team, h0 + 2 * hour, { source: "REMOTE", duration_ms: 250 })))
      const buckets = yield* index.analyticsBuckets(team, h0 + 30 * 60_000, h0 + 6 * hour, 2 * hour)
      assert.deepStrictEqual(
        buckets.map(({ bytes_uploaded, start, uploads }) => ({ start, bytes_uploaded, uploads })),
        [
          { start: h0, bytes_uploaded: 3, uploads: 2 },
          { start: h0 + 2 * hour, bytes_uploaded: 12, uploads: 2 }
        ],
        "the hour at `to` is not counted; the third bucket is empty and left out"
      )
      assert.strictEqual(buckets[1]!.hits.remote, 1)
      assert.strictEqual(buckets[1]!.time_saved_ms, 250)
      // Hourly buckets are the hours analytics sums one at a time.
      const hourly = yield* index.analyticsBuckets(team, h0, h0 + 7 * hour, hour)
      for (const bucket of hourly) {
        const { start, ...sums } = bucket
        assert.deepStrictEqual(sums, yield* analytics(team, start, start + hour), `the hour at ${start}`)
      }
      assert.deepStrictEqual(hourly.map((bucket) => (bucket.start - h0) / hour), [0, 1, 2, 3, 6])
      assert.deepStrictEqual(yield* index.analyticsBuckets(randomTeamId(), h0, h0 + 7 * hour, hour), [])
    }), testTimeout)

  it.effect("analytics sums the hours starting in [floor(from to the hour), to)", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const h0 = randomHour()
      const [h1, h2, h3] = [h0 + hour, h0 + 2 * hour, h0 + 3 * hour]
      yield* write(
        ...[[h0 + 5, 1], [h1 + 30 * 60_000, 2], [h1 + hour - 1, 4], [h2 + 10, 8], [h3 + hour - 1, 16]].map(([at, size]) =>
          eventWrite(makeEvent("artifact.uploaded", team, at!, { size: size! }))
        )
      )
      const windows: ReadonlyArray<readonly [number, number, number, string]> = [
        [h1, h2, 6, "one whole hour"],
        [h1 + 30 * 60_000, h2, 6, "from inside an hour counts that whole hour"],
        [h1 + hour - 1, h2, 6, "from the last millisecond of an hour"],
        [h1, h1 + 1, 6, "to just after an hour's start includes that hour"],
        [h1 + 1, h2 + 1, 14, "both ends inside hours"],
        [h1, h2 + hour, 14, "two hours"],
        [h0, h3, 15, "to is exclusive: the hour starting at `to` is not counted"],
        [h0, h3 + 1, 31, "everything"],
        [h0 - 10 * hour, h0 + 1, 1, "a window reaching far back"],
        [h1, h1, 0, "an empty window"],
        [h3 + hour, h3 + 5 * hour, 0, "after every event"]
      ]
      for (const [from, to, expected, what] of windows) {
        assert.strictEqual((yield* analytics(team, from, to)).bytes_uploaded, expected, `${what}: analytics(h0 + ${from - h0}, h0 + ${to - h0})`)
      }
    }), testTimeout)

  it.effect("rollups equal a recount of the stored events after a random mixed workload", () =>
    Effect.gen(function*() {
      const random = seededRandom(options.seed)
      const teams = [randomTeamId(), randomTeamId(), randomTeamId()]
      const hours = 30
      const workload = makeWorkload(random, {
        teams,
        hashesPerTeam: 25,
        events: Math.round(3000 * options.scale),
        start: randomHour(),
        hours,
        maxBatch: 120,
        reconcileRate: 0.03,
        retryRate: 0.1
      })
      yield* writeBatches(workload.batches)
      for (const team of teams) {
        const stored = workload.stored.get(team)!
        const unstored = workload.unstored.get(team)!
        const listed: ReadonlyArray<ActivityEvent> = yield* allEvents({ teamId: team }, 100)
        assert.strictEqual(new Set(listed.map((event) => event.id)).size, listed.length, "every event is listed once")
        assert.deepStrictEqual(
          listed.map((event) => event.id).sort(),
          stored.map((event) => event.id).sort(),
          `the listed events are the stored events (seed ${options.seed})`
        )
        // The recount: the listed events (their types and data as stored) and the unstored ones.
        const counted: Array<StoredActivityEvent> = [
          ...listed.map((event) => ({ ...event, created_at: eventTime(event) })),
          ...unstored
        ]
        yield* expectTotals(team, workload.from, workload.to, recountWindow(counted, workload.from, workload.to), `whole workload (seed ${options.seed})`)
        assert.deepStrictEqual(recount(counted), recount([...stored, ...unstored]), "the listed events hold the data written")
        for (let h = workload.from; h < workload.to; h += hour) {
          yield* expectTotals(team, h, h + hour, recountWindow(counted, h, h + hour), `hour ${(h - workload.from) / hour} (seed ${options.seed})`)
        }
        for (let i = 0; i < 10; i++) {
          const from = workload.from + random.int(0, hours * hour)
          const to = from + random.int(1, 6 * hour)
          yield* expectTotals(team, from, to, recountWindow(counted, from, to), `a random window (seed ${options.seed})`)
        }
        assert.isAbove(recount(counted).uploads, 0, "the workload uploaded something")
      }
    }), slowTestTimeout)
}
