import { assert, layer } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import { activityNamespace, ActivityLog, ArtifactStorage, StorageActivityLog, StorageError } from "@hoard/core"
import type {
  ActivityEvent,
  ActivityLogShape,
  ActivityQuery,
  ArtifactHash,
  ArtifactStorageShape,
  Namespace,
  NewActivityEvent
} from "@hoard/core"
import { Clock, Context, Effect, Exit, Layer, Option, Scope, Stream } from "effect"
import { randomBytes as cryptoRandomBytes } from "node:crypto"

type ActivityIt = Vitest.MethodsNonLive<ArtifactStorage>

const testTimeout = 60_000

const hex = (bytes: number): string => cryptoRandomBytes(bytes).toString("hex")

/** A namespace of the reserved family, unique to one test, so tests sharing a storage never see each other's events. */
const testNamespace = (): string => `${activityNamespace}-test-${hex(6)}`

const idPattern = /^[0-9a-f]{28}-[0-9a-f]{4}$/u
const keyPattern = /^[0-9a-f]{28}$/u

/** A log built over `storage` in a scope of its own: `stop` is a graceful shutdown (final flush). */
interface RunningLog {
  readonly log: ActivityLogShape
  readonly stop: Effect.Effect<void>
}

const startLog = (storage: ArtifactStorageShape, options: StorageActivityLog.StorageActivityLogOptions) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const context = yield* Layer.buildWithScope(
      StorageActivityLog.layer(options).pipe(Layer.provide(Layer.succeed(ArtifactStorage, storage))),
      scope
    )
    return { log: Context.get(context, ActivityLog), stop: Scope.close(scope, Exit.void) } satisfies RunningLog
  })

/** A log that only writes when told to (or at shutdown). */
const manualLog = (storage: ArtifactStorageShape, namespace: string, options: StorageActivityLog.StorageActivityLogOptions = {}) =>
  startLog(storage, { namespace, flushInterval: "1 hour", ...options })

/** A usage event identified by `data.session_id`. */
const usage = (session: string, createdAt: number, extra: Partial<NewActivityEvent> = {}): NewActivityEvent => ({
  event_type: "usage.hit",
  created_at: createdAt,
  team_id: "team_a",
  data: { session_id: session, source: "REMOTE", duration_ms: 42, hash: "0123456789abcdef" },
  ...extra
})

const sessions = (events: ReadonlyArray<ActivityEvent>): Array<string> => events.map((event) => event.data.session_id ?? "?")

const ms = (event: ActivityEvent): number => Date.parse(event.created_at)

/** Newest first: created_at descending, then id descending. */
const newestFirst = (a: ActivityEvent, b: ActivityEvent): number =>
  ms(b) - ms(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** Every page of a query, checking that each holds at most `limit` events and only the last has no cursor. */
const allPages = (log: ActivityLogShape, query: ActivityQuery, limit: number) =>
  Effect.gen(function*() {
    const events: Array<ActivityEvent> = []
    let cursor: string | undefined
    for (let page = 0; page < 10_000; page++) {
      const result = yield* log.list({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) })
      assert.isAtMost(result.events.length, limit, "a page holds at most `limit` events")
      events.push(...result.events)
      if (result.nextCursor === undefined) return events
      assert.strictEqual(result.events.length, limit, "only the last page may be short")
      cursor = result.nextCursor
    }
    return assert.fail("too many pages")
  })

const scanAll = (log: ActivityLogShape, query: ActivityQuery = {}) => Stream.runCollect(log.scan(query))

const assertNewestFirst = (events: ReadonlyArray<ActivityEvent>): void => {
  for (let i = 1; i < events.length; i++) {
    assert.isTrue(newestFirst(events[i - 1]!, events[i]!) < 0, `events ${i - 1} and ${i} are newest first`)
  }
}

const assertDistinct = (events: ReadonlyArray<ActivityEvent>): void => {
  assert.strictEqual(new Set(events.map((event) => event.id)).size, events.length, "ids are distinct")
}

const objectsIn = (storage: ArtifactStorageShape, namespace: string) =>
  Effect.map(Stream.runCollect(storage.list({ namespace: namespace as Namespace })), (entries) =>
    entries.map((entry) => entry.key.hash).sort())

/** Polls `check` until it holds (or fails the test after `timeoutMs`). */
const eventually = <E, R>(check: Effect.Effect<boolean, E, R>, what: string, timeoutMs = 20_000) =>
  Effect.gen(function*() {
    const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
    while (!(yield* check)) {
      if ((yield* Clock.currentTimeMillis) > deadline) return assert.fail(`timed out waiting until ${what}`)
      yield* Effect.sleep("20 millis")
    }
  })

const putObject = (storage: ArtifactStorageShape, namespace: string, hash: string, body: string) => {
  const bytes = new TextEncoder().encode(body)
  return storage.put({ namespace: namespace as Namespace, hash: hash as ArtifactHash }, Stream.make(bytes), {
    size: bytes.byteLength,
    metadata: { durationMs: 0 }
  })
}

/** A storage whose puts fail while `failures.remaining > 0` (each failing put decrements it), or hang when `hang`. */
const faultyStorage = (storage: ArtifactStorageShape, faults: { remaining: number; hang?: boolean }): ArtifactStorageShape => ({
  ...storage,
  put: (key, body, options) =>
    Effect.suspend(() => {
      if (faults.hang === true) return Effect.never
      if (faults.remaining > 0) {
        faults.remaining--
        return Effect.fail(new StorageError({ operation: "put", message: "injected failure (backend unreachable)" }))
      }
      return storage.put(key, body, options)
    })
})

/**
 * Registers a `describe("<name> activity log")` block of vitest tests of the
 * persisted activity record (`StorageActivityLog`) over the storage built by
 * `storage` (built once for the block; every test uses its own namespace).
 */
export const activityLogConformance = (name: string, storage: Layer.Layer<ArtifactStorage, unknown>): void => {
  // Real clock: the log flushes on a timer.
  layer(storage, { excludeTestServices: true, timeout: "2 minutes" })(`${name} activity log`, (it) => {
    activityTests(it)
  })
}

const activityTests = (it: ActivityIt): void => {
  it.effect("records, writes one batch object, lists and gets its events", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const { log } = yield* manualLog(storage, namespace)
      const now = Date.now()
      yield* log.record([
        usage("one", now - 3000),
        { event_type: "artifact.uploaded", created_at: now - 2000, team_id: "team_b", data: { hash: "abc", size: 10 } },
        { event_type: "auth.rejected", created_at: now - 1000, data: { status: 401, token_name: "ci" } }
      ])
      yield* log.flush
      const objects = yield* objectsIn(storage, namespace)
      assert.strictEqual(objects.length, 1, "one flush writes one object")
      assert.match(objects[0]!, keyPattern)

      const { log: reader } = yield* manualLog(storage, namespace)
      const page = yield* reader.list({ limit: 10 })
      assert.isUndefined(page.nextCursor)
      assert.deepStrictEqual(page.events.map((event) => event.event_type), ["auth.rejected", "artifact.uploaded", "usage.hit"])
      const [rejected, uploaded, hit] = page.events
      assert.deepStrictEqual(rejected, {
        id: rejected!.id,
        event_type: "auth.rejected",
        created_at: new Date(now - 1000).toISOString(),
        data: { status: 401, token_name: "ci" }
      })
      assert.strictEqual(uploaded!.team_id, "team_b")
      assert.deepStrictEqual(uploaded!.data, { hash: "abc", size: 10 })
      assert.deepStrictEqual(hit!.data, usage("one", 0).data)
      for (const event of page.events) {
        assert.match(event.id, idPattern)
        assert.isTrue(event.id.startsWith(objects[0]!), "an id names its batch object")
        assert.deepStrictEqual(yield* reader.get(event.id), Option.some(event))
        assert.deepStrictEqual(yield* log.get(event.id), Option.some(event))
      }
      assert.deepStrictEqual(yield* log.list({ limit: 10 }), page, "the writer reads what the reader reads")
      const status = yield* log.status
      assert.strictEqual(status.buffered, 0)
      assert.strictEqual(status.dropped, 0)
      assert.isUndefined(status.failing)
    }), testTimeout)

  it.effect("a recorded event is visible at once, with the id it keeps once written", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const { log } = yield* manualLog(storage, namespace)
      const now = Date.now()
      yield* log.record([usage("a", now), usage("b", now + 1)])
      const before = yield* log.list({ limit: 10 })
      assert.deepStrictEqual(sessions(before.events), ["b", "a"])
      assert.strictEqual((yield* log.status).buffered, 2)
      assert.deepStrictEqual(yield* objectsIn(storage, namespace), [], "nothing is written before a flush")
      assert.deepStrictEqual(yield* log.get(before.events[0]!.id), Option.some(before.events[0]!))

      yield* log.record([usage("c", now + 2)])
      const buffered = yield* log.list({ limit: 10 })
      assert.deepStrictEqual(sessions(buffered.events), ["c", "b", "a"])
      assert.deepStrictEqual(buffered.events.slice(1), before.events, "ids shown before do not change")

      yield* log.flush
      assert.strictEqual((yield* log.status).buffered, 0)
      const { log: reader } = yield* manualLog(storage, namespace)
      assert.deepStrictEqual(yield* reader.list({ limit: 10 }), buffered, "written with the same ids")
      assert.deepStrictEqual(yield* log.list({ limit: 10 }), buffered)
    }), testTimeout)

  it.effect("pages newest first across several batch objects, without duplicates or gaps", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const { log } = yield* manualLog(storage, namespace, { maxBatchEvents: 7 })
      const base = Date.now() - 60_000
      // Batches overlap in time and share timestamps: only (created_at, id) orders them.
      for (let round = 0; round < 6; round++) {
        yield* log.record(Array.from({ length: 9 }, (_, i) => usage(`r${round}-${i}`, base + ((round * 37 + i * 11) % 20) * 1000)))
        if (round < 5) yield* log.flush
      }
      const total = 54
      assert.isAtLeast((yield* objectsIn(storage, namespace)).length, 10, "several objects")

      const expected = [...(yield* scanAll(log))].sort(newestFirst)
      assert.strictEqual(expected.length, total)
      assertDistinct(expected)
      for (const limit of [3, 7, total, total + 1]) {
        const paged = yield* allPages(log, {}, limit)
        assert.deepStrictEqual(paged.map((event) => event.id), expected.map((event) => event.id), `pages of ${limit}`)
      }
      const last = yield* log.list({ limit: total })
      assert.isUndefined(last.nextCursor, "no cursor when everything fits")

      // The unwritten batch was already shown: the same order and ids once written, from another replica.
      yield* log.flush
      const { log: reader } = yield* manualLog(storage, namespace)
      const read = yield* allPages(reader, {}, 5)
      assertNewestFirst(read)
      assert.deepStrictEqual(read, expected)
    }), testTimeout)

  it.effect("filters by team, type and time window", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const { log } = yield* manualLog(storage, namespace, { maxBatchEvents: 5 })
      const now = Date.now()
      const base = now - 10 * 60_000
      const day = 24 * 60 * 60_000
      const recorded: Array<NewActivityEvent> = []
      const types = ["usage.hit", "usage.miss", "artifact.downloaded"] as const
      for (let i = 0; i < 24; i++) {
        recorded.push(usage(`e${i}`, base + i * 1000, { event_type: types[i % 3]!, team_id: i % 2 === 0 ? "team_a" : "team_b" }))
      }
      // Buffered for long (e.g. through a storage outage): written now, created 10 days ago.
      recorded.push(usage("old", now - 10 * day, { event_type: "usage.miss", team_id: "team_a" }))
      // No team (e.g. a rejected request).
      recorded.push(usage("anonymous", base + 500, { event_type: "auth.rejected", data: { session_id: "anonymous", status: 401 } }))
      const { team_id: _, ...withoutTeam } = recorded[recorded.length - 1]!
      recorded[recorded.length - 1] = withoutTeam
      yield* log.record(recorded.slice(0, 13))
      yield* log.flush
      yield* log.record(recorded.slice(13))
      yield* log.flush

      const expect = (query: ActivityQuery) =>
        recorded
          .filter((event) =>
            (query.teamId === undefined || event.team_id === query.teamId) &&
            (query.types === undefined || query.types.includes(event.event_type)) &&
            (query.from === undefined || event.created_at >= query.from) &&
            (query.to === undefined || event.created_at < query.to)
          )
          .map((event) => event.data.session_id!)
          .sort()

      const { log: reader } = yield* manualLog(storage, namespace)
      const queries: Array<ActivityQuery> = [
        {},
        { teamId: "team_a" },
        { teamId: "team_b", types: ["usage.hit"] },
        { teamId: "nobody" },
        { types: ["usage.miss", "artifact.downloaded"] },
        { types: [] },
        { from: base + 5000 },
        { to: base + 5000 },
        { from: base + 5000, to: base + 9000 },
        { from: base + 5000, to: base + 5000 },
        { teamId: "team_a", types: ["usage.miss"], from: now - 11 * day, to: now - 9 * day },
        { to: now - 9 * day },
        { from: now - 9 * day },
        { from: now + day }
      ]
      for (const query of queries) {
        const label = JSON.stringify(query)
        const paged = yield* allPages(reader, query, 4)
        assertNewestFirst(paged)
        assert.deepStrictEqual(sessions(paged).sort(), expect(query), `list ${label}`)
        assert.deepStrictEqual(sessions(yield* scanAll(reader, query)).sort(), expect(query), `scan ${label}`)
      }
      assert.deepStrictEqual(expect({ from: now - 11 * day, to: now - 9 * day, teamId: "team_a", types: ["usage.miss"] }), ["old"])
    }), testTimeout)

  it.effect("a restarted log reads every event written by the stopped one", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const first = yield* manualLog(storage, namespace, { maxBatchEvents: 500 })
      const base = Date.now() - 1_200
      const count = 1_200
      for (let i = 0; i < count; i += 100) {
        yield* first.log.record(Array.from({ length: 100 }, (_, j) => usage(`s${i + j}`, base + i + j)))
      }
      const shown = yield* first.log.list({ limit: 10 })
      assert.deepStrictEqual(yield* objectsIn(storage, namespace), [], "nothing written before the stop")
      yield* first.stop // graceful: the final flush writes the buffer

      assert.strictEqual((yield* objectsIn(storage, namespace)).length, Math.ceil(count / 500))
      const second = yield* manualLog(storage, namespace)
      const all = yield* scanAll(second.log)
      assert.strictEqual(all.length, count)
      assertDistinct(all)
      assert.deepStrictEqual(new Set(sessions(all)), new Set(Array.from({ length: count }, (_, i) => `s${i}`)))
      assert.deepStrictEqual(yield* second.log.list({ limit: 10 }), shown, "the same events and ids after the restart")
      const paged = yield* allPages(second.log, {}, 500)
      assert.strictEqual(paged.length, count)
      assertDistinct(paged)
    }), testTimeout)

  it.effect("two replicas recording at once: every event is kept exactly once", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const options = { namespace, flushInterval: "20 millis", maxBatchEvents: 250 } as const
      const replicas = [yield* startLog(storage, options), yield* startLog(storage, options)]
      const perReplica = 2_000
      const chunk = 50
      const base = Date.now()
      yield* Effect.forEach(replicas, ({ log }, r) =>
        Effect.gen(function*() {
          for (let i = 0; i < perReplica; i += chunk) {
            // Both replicas stamp the same times: only ids tell their events apart.
            yield* log.record(Array.from({ length: chunk }, (_, j) => usage(`r${r}-${i + j}`, base + Math.floor((i + j) / 10))))
            yield* Effect.sleep("2 millis")
          }
        }), { concurrency: "unbounded", discard: true })

      const expected = Array.from({ length: 2 * perReplica }, (_, i) => `r${Math.floor(i / perReplica)}-${i % perReplica}`).sort()
      const { log: reader } = yield* manualLog(storage, namespace)
      // The timer writes everything without an explicit flush.
      yield* eventually(
        Effect.map(scanAll(reader), (events) => events.length === expected.length),
        "the timers wrote both replicas' events"
      )
      for (const { log } of [...replicas.map((replica) => replica), { log: reader }]) {
        const all = yield* scanAll(log)
        assertDistinct(all)
        assert.deepStrictEqual(sessions(all).sort(), expected)
      }
      const paged = yield* allPages(reader, {}, 1_000)
      assertDistinct(paged)
      assert.deepStrictEqual(sessions(paged).sort(), expected)
      assert.deepStrictEqual(paged, [...paged].sort(newestFirst))
      yield* Effect.forEach(replicas, (replica) => replica.stop, { discard: true })
      assert.strictEqual((yield* scanAll(reader)).length, expected.length, "stopping writes nothing twice")
    }), testTimeout)

  it.effect("storage failures keep the events, which are written once storage recovers", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const faults = { remaining: Number.POSITIVE_INFINITY }
      const { log, stop } = yield* startLog(faultyStorage(storage, faults), {
        namespace,
        flushInterval: "10 millis",
        maxRetryDelay: "40 millis"
      })
      const base = Date.now()
      yield* log.record(Array.from({ length: 20 }, (_, i) => usage(`f${i}`, base + i)))
      const failed = yield* Effect.exit(log.flush)
      assert.isTrue(Exit.isFailure(failed), "an explicit flush reports the failure")
      assert.strictEqual(Option.getOrUndefined(Exit.findErrorOption(failed))?._tag, "StorageError")
      const shown = yield* log.list({ limit: 100 })
      assert.strictEqual(shown.events.length, 20, "failed events stay visible")
      yield* eventually(
        Effect.map(log.status, (status) => (status.failing?.attempts ?? 0) >= 2),
        "the writer retried and reports the failure streak"
      )
      const during = yield* log.status
      assert.strictEqual(during.buffered, 20)
      assert.match(during.failing!.message, /injected failure/u)
      assert.deepStrictEqual(yield* objectsIn(storage, namespace), [])

      faults.remaining = 0 // storage recovers
      yield* eventually(Effect.map(log.status, (status) => status.buffered === 0), "the retries wrote the events")
      const status = yield* log.status
      assert.isUndefined(status.failing, "the failure streak is over")
      assert.strictEqual(status.dropped, 0)
      const { log: reader } = yield* manualLog(storage, namespace)
      const read = yield* reader.list({ limit: 100 })
      assert.deepStrictEqual(read, shown, "written once, with the ids shown during the outage")
      assert.strictEqual((yield* objectsIn(storage, namespace)).length, 1)
      yield* stop
      assert.deepStrictEqual(yield* reader.list({ limit: 100 }), shown)
    }), testTimeout)

  it.effect("the final flush gives up after shutdownTimeout when storage hangs", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const { log, stop } = yield* startLog(faultyStorage(storage, { remaining: 0, hang: true }), {
        namespace,
        flushInterval: "1 hour",
        shutdownTimeout: "200 millis"
      })
      yield* log.record([usage("lost", Date.now())])
      const started = Date.now()
      yield* stop
      assert.isBelow(Date.now() - started, 5_000, "the stop is bounded")
    }), testTimeout)

  it.effect("the buffer is bounded: the oldest events are dropped first", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const { log } = yield* manualLog(storage, namespace, { bufferCapacity: 10, maxBatchEvents: 4 })
      const base = Date.now()
      yield* log.record(Array.from({ length: 6 }, (_, i) => usage(`d${i}`, base + i)))
      const before = yield* log.list({ limit: 100 })
      yield* log.record(Array.from({ length: 9 }, (_, i) => usage(`d${6 + i}`, base + 6 + i)))
      const status = yield* log.status
      assert.strictEqual(status.dropped, 5)
      assert.strictEqual(status.buffered, 10)
      const kept = yield* log.list({ limit: 100 })
      assert.deepStrictEqual(sessions(kept.events), Array.from({ length: 10 }, (_, i) => `d${14 - i}`))
      const survivors = before.events.filter((event) => ["d5"].includes(event.data.session_id!))
      assert.deepStrictEqual(kept.events.filter((event) => event.data.session_id === "d5"), survivors, "survivors keep their ids")
      yield* log.flush
      const { log: reader } = yield* manualLog(storage, namespace)
      assert.deepStrictEqual(yield* reader.list({ limit: 100 }), kept)
    }), testTimeout)

  it.effect("invalid cursors fail with InvalidCursor; malformed or unknown ids are misses", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const { log } = yield* manualLog(storage, namespace)
      const base = Date.now()
      yield* log.record(Array.from({ length: 3 }, (_, i) => usage(`c${i}`, base + i)))
      yield* log.flush
      const page = yield* log.list({ limit: 1 })
      assert.isDefined(page.nextCursor)
      const id = page.events[0]!.id
      const [key] = id.split("-")

      const base64url = (text: string) => Buffer.from(text).toString("base64url")
      for (const cursor of ["", "not a cursor", "%%%", "AAAA", base64url(`${base}:${key}`), base64url(`x:${id}`), `${page.nextCursor}!`]) {
        const exit = yield* Effect.exit(log.list({ limit: 1, cursor }))
        assert.isTrue(Exit.isFailure(exit), `cursor ${JSON.stringify(cursor)} is refused`)
        const error = Exit.findErrorOption(exit)
        assert.strictEqual(Option.getOrUndefined(error)?._tag, "InvalidCursor", `cursor ${JSON.stringify(cursor)}`)
      }
      const next = yield* log.list({ limit: 1, cursor: page.nextCursor! })
      assert.deepStrictEqual(sessions(next.events), ["c1"])

      for (const bad of ["", "x", id.toUpperCase(), `${id}0`, ` ${id}`, `../${id}`, `${key}`, `${key}-ffff`, `${"0".repeat(28)}-0000`, `${key}/0000`]) {
        assert.deepStrictEqual(yield* log.get(bad), Option.none(), `get(${JSON.stringify(bad)})`)
      }
      assert.isTrue(Option.isSome(yield* log.get(id)))
    }), testTimeout)

  it.effect("corrupt batch objects are skipped and reported; foreign objects are ignored", () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const namespace = testNamespace()
      const now = Date.now()
      const timePrefix = now.toString(16).padStart(12, "0")
      const garbage = timePrefix + hex(8)
      const notABatch = timePrefix + hex(8)
      const partly = timePrefix + hex(8)
      yield* putObject(storage, namespace, garbage, "\u0000not json at all")
      yield* putObject(storage, namespace, notABatch, JSON.stringify({ hello: "world" }))
      yield* putObject(storage, namespace, partly, JSON.stringify({
        format: "hoard-activity/1",
        offset: 0,
        events: [
          { event_type: "usage.hit", created_at: now - 10, team_id: "team_a", data: { session_id: "partly-ok" } },
          { event_type: "usage.from_the_future", created_at: now - 10, data: {} }
        ]
      }))
      yield* putObject(storage, namespace, "abcdef", "a foreign object, not a batch key")

      const { log } = yield* manualLog(storage, namespace)
      yield* log.record([usage("valid", Date.now())])
      yield* log.flush
      const page = yield* log.list({ limit: 10 })
      assert.deepStrictEqual(sessions(page.events), ["valid", "partly-ok"])
      assert.deepStrictEqual(sessions(yield* scanAll(log)).sort(), ["partly-ok", "valid"])
      const status = yield* log.status
      assert.deepStrictEqual([...status.corruptBatches].sort(), [garbage, notABatch].sort())
      assert.strictEqual(status.invalidEvents, 1)
      assert.deepStrictEqual(yield* log.get(`${garbage}-0000`), Option.none())
      assert.deepStrictEqual(yield* log.get(`${partly}-0001`), Option.none())
      assert.deepStrictEqual(sessions(Option.toArray(yield* log.get(`${partly}-0000`))), ["partly-ok"])
      // Reported once, not counted again on the next read.
      yield* log.list({ limit: 10 })
      assert.strictEqual((yield* log.status).invalidEvents, 1)
      assert.strictEqual((yield* log.status).corruptBatches.length, 2)
    }), testTimeout)

  it.effect(`the default namespace is ${activityNamespace}`, () =>
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const team = `team-${hex(6)}`
      const writer = yield* startLog(storage, { flushInterval: "1 hour" })
      yield* writer.log.record([usage("default", Date.now(), { team_id: team })])
      yield* writer.stop
      assert.isAtLeast((yield* objectsIn(storage, activityNamespace)).length, 1)
      const reader = yield* startLog(storage, {})
      const page = yield* reader.log.list({ teamId: team, limit: 10, from: Date.now() - 60_000 })
      assert.deepStrictEqual(sessions(page.events), ["default"])
    }), testTimeout)
}
