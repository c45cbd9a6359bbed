import { assert } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import type { ActivityEvent, ActivityEventType, EventQuery, StoredActivityEvent } from "@hoard/core"
import { Effect, Option } from "effect"
import {
  allEvents,
  eventTime,
  eventWrite,
  makeEvent,
  newestFirst,
  randomEventId,
  randomHash,
  randomHour,
  randomTeamId,
  seededRandom
} from "../helpers.ts"
import { testTimeout, write } from "./fixtures.ts"
import type { IndexIt, SuiteOptions } from "./fixtures.ts"

const allTypes: ReadonlyArray<ActivityEventType> = [
  "usage.hit",
  "usage.miss",
  "artifact.upload_started",
  "artifact.uploaded",
  "artifact.upload_failed",
  "artifact.downloaded",
  "artifact.missed",
  "artifact.deleted",
  "auth.rejected"
]

/** An event with `created_at` as milliseconds, to compare whatever ISO 8601 form the index returns. */
const comparable = (event: ActivityEvent): StoredActivityEvent => ({ ...event, created_at: eventTime(event) })

/** Sorted newest first: `created_at` descending, then `id` descending. */
const newestFirstStored = (events: ReadonlyArray<StoredActivityEvent>): Array<StoredActivityEvent> =>
  [...events].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))

const assertNewestFirst = (events: ReadonlyArray<ActivityEvent>, what: string): void => {
  for (let i = 1; i < events.length; i++) {
    assert.isTrue(newestFirst(events[i - 1]!, events[i]!) < 0, `${what}: events ${i - 1} and ${i} are newest first`)
  }
}

const idsOf = (events: ReadonlyArray<{ readonly id: string }>): Array<string> => events.map((event) => event.id)

/** Events of every type at times with ties, for `team`. */
const plant = (team: string, t: number, count: number, seed: number) =>
  Effect.gen(function*() {
    const random = seededRandom(seed)
    const events = Array.from({ length: count }, (_, i) =>
      makeEvent(allTypes[i % allTypes.length]!, team, t + random.int(0, 9) * 1000, { hash: randomHash(), size: i }))
    yield* write(...events.map((event) => eventWrite(event)))
    return newestFirstStored(events)
  })

export const eventListingTests = (it: IndexIt, options: SuiteOptions): void => {
  it.effect("events come back as written, newest first (created_at, then id, descending)", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const team = randomTeamId()
      const t = randomHour() + 123
      const full = makeEvent("artifact.uploaded", team, t + 5, {
        hash: randomHash(),
        source: "REMOTE",
        duration_ms: 12.5,
        size: 0,
        session_id: "session-1",
        client_ci: "github-actions",
        user_agent: "turbo 2.5.0 go1.24 linux",
        token_name: "ci-token",
        sha: "8f2c1d0e9b7a",
        status: 202,
        reason: "a \"quoted\" \\ reason, 100% 'odd'; -- ünïcode ✓",
        method: "PUT",
        path: "/v8/artifacts/abc",
        request_id: "req-123",
        dirty_hash: "dirty-3e4f5a",
        has_tag: false
      })
      const events = [
        full,
        ...allTypes.map((type, i) => makeEvent(type, team, t + (i % 3), { hash: randomHash() })),
        makeEvent("usage.hit", team, t + 1, {}),
        makeEvent("auth.rejected", team, t - 1, { status: 401, method: "GET", path: "/v8/artifacts" })
      ]
      yield* write(...events.map((event) => eventWrite(event)))
      const expected = newestFirstStored(events)
      const page = yield* index.listEvents({ teamId: team, limit: 100 })
      assert.deepStrictEqual(page.events.map(comparable), expected, "one page, newest first")
      assertNewestFirst(page.events, "one page")
      assert.isUndefined(page.nextCursor, "no next page after the last event")
      for (const event of page.events) assert.strictEqual(event.team_id, team)
      for (const limit of [1, 2, 5]) {
        assert.deepStrictEqual(idsOf(yield* allEvents({ teamId: team }, limit)), idsOf(expected), `pages of ${limit}`)
      }
      for (const event of events) {
        const found = yield* index.getEvent(team, event.id)
        assert.isTrue(Option.isSome(found), `getEvent of ${event.event_type}`)
        assert.deepStrictEqual(comparable(Option.getOrThrow(found)), event, `getEvent of ${event.event_type}`)
      }
    }), testTimeout)

  it.effect("listEvents filters by types", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const planted = yield* plant(team, t, 45, options.seed + 20)
      const filters: ReadonlyArray<ReadonlyArray<ActivityEventType>> = [
        ["usage.hit"],
        ["artifact.uploaded", "auth.rejected"],
        ["artifact.upload_started", "artifact.upload_failed", "artifact.missed", "artifact.deleted"],
        allTypes
      ]
      for (const types of filters) {
        const expected = idsOf(planted.filter((event) => types.includes(event.event_type)))
        for (const limit of [3, 100]) {
          assert.deepStrictEqual(idsOf(yield* allEvents({ teamId: team, types }, limit)), expected, `${types.join(", ")} in pages of ${limit}`)
        }
      }
    }), testTimeout)

  it.effect("listEvents filters by from (inclusive) and to (exclusive)", () =>
    Effect.gen(function*() {
      const team = randomTeamId()
      const t = randomHour()
      const planted = yield* plant(team, t, 50, options.seed + 21)
      const queries: ReadonlyArray<readonly [Omit<EventQuery, "teamId" | "limit" | "cursor">, (event: StoredActivityEvent) => boolean]> = [
        [{ from: t + 3000 }, (event) => event.created_at >= t + 3000],
        [{ to: t + 3000 }, (event) => event.created_at < t + 3000],
        [{ from: t + 2000, to: t + 7000 }, (event) => event.created_at >= t + 2000 && event.created_at < t + 7000],
        [{ from: t + 5000, to: t + 5001 }, (event) => event.created_at === t + 5000],
        [{ from: t + 5000, to: t + 5000 }, () => false],
        [{ from: t + 1000, to: t + 8000, types: ["usage.hit", "artifact.downloaded"] }, (event) =>
          event.created_at >= t + 1000 && event.created_at < t + 8000 &&
          (event.event_type === "usage.hit" || event.event_type === "artifact.downloaded")]
      ]
      for (const [query, keep] of queries) {
        const expected = idsOf(planted.filter(keep))
        for (const limit of [4, 100]) {
          assert.deepStrictEqual(idsOf(yield* allEvents({ teamId: team, ...query }, limit)), expected, `${JSON.stringify(query)} in pages of ${limit}`)
        }
      }
    }), testTimeout)

  it.effect("listEvents pages never skip or repeat an event while writes continue", () =>
    Effect.gen(function*() {
      const random = seededRandom(options.seed + 22)
      const team = randomTeamId()
      const t = randomHour() + 60_000
      const planted = yield* plant(team, t, 80, options.seed + 23)
      const between = () =>
        write(
          // Ties with existing times (ids above and below), newer and older events.
          ...Array.from({ length: 5 }, () => eventWrite(makeEvent(random.pick(allTypes), team, t + random.int(-2, 12) * 1000, { hash: randomHash() }, randomEventId()))),
          // An event written again (a retry) and another team's events.
          eventWrite(random.pick(planted)),
          eventWrite(makeEvent("usage.hit", randomTeamId(), t + 5000, { source: "LOCAL" }))
        )
      for (const query of [{}, { types: ["usage.hit", "artifact.uploaded", "artifact.missed"] as ReadonlyArray<ActivityEventType> }]) {
        const events = yield* allEvents({ teamId: team, ...query }, 9, between)
        const ids = idsOf(events)
        assert.strictEqual(new Set(ids).size, ids.length, `no event twice (${JSON.stringify(query)})`)
        assertNewestFirst(events, `pages with writes between (${JSON.stringify(query)})`)
        const wanted = planted.filter((event) => query.types === undefined || query.types.includes(event.event_type))
        for (const event of wanted) {
          assert.strictEqual(ids.filter((id) => id === event.id).length, 1, `${event.id}, there before the first page, listed once`)
        }
        for (const event of events) assert.strictEqual(event.team_id, team)
      }
    }), testTimeout)

  it.effect("getEvent of another team or of an unknown id is none; listEvents shows only the team's events", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const [team, other] = [randomTeamId(), randomTeamId()]
      const t = randomHour()
      const mine = makeEvent("usage.hit", team, t, { source: "LOCAL" })
      const theirs = makeEvent("usage.hit", other, t, { source: "LOCAL" })
      yield* write(eventWrite(mine), eventWrite(theirs))
      assert.isTrue(Option.isSome(yield* index.getEvent(team, mine.id)))
      assert.isTrue(Option.isNone(yield* index.getEvent(other, mine.id)), "another team's event")
      assert.isTrue(Option.isNone(yield* index.getEvent(team, randomEventId())), "an unknown id")
      assert.deepStrictEqual(idsOf(yield* allEvents({ teamId: team })), [mine.id])
      assert.deepStrictEqual(idsOf(yield* allEvents({ teamId: other })), [theirs.id])
      assert.deepStrictEqual(yield* allEvents({ teamId: randomTeamId() }), [], "a team without events")
    }), testTimeout)
}
