import { assert } from "@effect/vitest"
import { CacheIndex } from "@hoard/core"
import { Effect, Exit } from "effect"
import { artifactEvent, eventWrite, makeEvent, randomHash, randomHour, randomTeamId } from "../helpers.ts"
import { failureOf, testTimeout, write } from "./fixtures.ts"
import type { IndexIt } from "./fixtures.ts"

/**
 * Strings no index hands out as cursors: garbage, and JSON of the wrong shape
 * (a cursor that decodes must still be checked before it reaches a query).
 */
const foreignCursors: ReadonlyArray<string> = [
  "garbage",
  "not a cursor at all",
  "%%%",
  "{}",
  "null",
  "AAAA",
  Buffer.from("{\"x\":1}").toString("base64url"),
  "eyJ1IjoiYWJjIiwiaCI6MX0"
]

const assertInvalidCursor = (exit: Exit.Exit<unknown, unknown>, what: string): void => {
  const error = failureOf(exit) as { readonly _tag?: unknown }
  assert.strictEqual(error._tag, "InvalidCursor", `${what} fails with InvalidCursor`)
}

export const cursorTests = (it: IndexIt): void => {
  it.effect("a cursor the index did not hand out fails with InvalidCursor", () =>
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const team = randomTeamId()
      const t = randomHour()
      yield* write(
        ...Array.from({ length: 3 }, () => artifactEvent("artifact.uploaded", team, randomHash(), t, { size: 1 })),
        ...Array.from({ length: 3 }, () => eventWrite(makeEvent("usage.hit", team, t, { source: "LOCAL" })))
      )
      for (const cursor of foreignCursors) {
        assertInvalidCursor(yield* Effect.exit(index.listArtifacts({ teamId: team, cursor, limit: 2, now: t })), `listArtifacts with cursor ${JSON.stringify(cursor)}`)
        assertInvalidCursor(yield* Effect.exit(index.listEvents({ teamId: team, cursor, limit: 2 })), `listEvents with cursor ${JSON.stringify(cursor)}`)
      }
      // The cursors it does hand out still work.
      const artifacts = yield* index.listArtifacts({ teamId: team, limit: 2, now: t })
      assert.isDefined(artifacts.nextCursor)
      const rest = yield* index.listArtifacts({ teamId: team, limit: 2, now: t, cursor: artifacts.nextCursor! })
      assert.strictEqual(rest.artifacts.length, 1)
      const events = yield* index.listEvents({ teamId: team, limit: 2 })
      assert.isDefined(events.nextCursor)
      const more = yield* index.listEvents({ teamId: team, limit: 10, cursor: events.nextCursor! })
      assert.strictEqual(more.events.length, 4, "six events, two on the first page")
    }), testTimeout)
}
