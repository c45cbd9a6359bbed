import { PgIndex } from "@hoard/index-sql"
import { openIndex, randomTeamId, startPostgres } from "@hoard/index-testkit"
import { Cause, Effect, Exit } from "effect"
import { expect, it } from "vitest"

it("PgIndex: a server killed and restarted mid-writes: writes fail with IndexError meanwhile, every acknowledged one is kept", async () => {
  const postgres = await startPostgres()
  try {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { index } = yield* openIndex(PgIndex.layer({ url: postgres.url }))
      const teamId = randomTeamId()
      const acknowledged: Array<string> = []
      const failures: Array<unknown> = []
      for (let i = 0; i < 300; i++) {
        if (i === 100) void postgres.stopServer("immediate")
        if (i === 200) yield* Effect.promise(() => postgres.startServer())
        const id = `${teamId}-${String(i).padStart(4, "0")}`
        const exit = yield* Effect.exit(index.write([{
          _tag: "Event",
          store: true,
          event: { id, event_type: "usage.hit", created_at: Date.now(), team_id: teamId, data: { source: "REMOTE" } }
        }]))
        if (Exit.isSuccess(exit)) acknowledged.push(id)
        else failures.push(Cause.squash(exit.cause))
        yield* Effect.sleep("5 millis")
      }
      expect(failures.length).toBeGreaterThan(0)
      expect(failures.map((error) => (error as { _tag?: string })._tag).filter((tag) => tag !== "IndexError")).toEqual([])
      const stored = new Set((yield* index.listEvents({ teamId, limit: 500 })).events.map((event) => event.id))
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
      expect(stored.size).toBe(acknowledged.length)
    })))
  } finally {
    await postgres.stop()
  }
}, 120_000)
