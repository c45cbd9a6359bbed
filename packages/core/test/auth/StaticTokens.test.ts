import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { allTeams, Auth, layerAllowAll, layerStaticTokens } from "../../src/auth/Auth.ts"

const authenticate = (header: string | undefined) =>
  Auth.use((auth) => auth.authenticate(header)).pipe(
    Effect.provide(layerStaticTokens(["short", { name: "ci", token: "a-much-longer-token-for-ci" }]))
  )

describe("static token auth", () => {
  it.effect("accepts every configured token, names it and grants every team", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* authenticate("Bearer short"), { tokenName: "token-1", grants: allTeams })
      assert.deepStrictEqual(yield* authenticate("Bearer a-much-longer-token-for-ci"), { tokenName: "ci", grants: allTeams })
      assert.deepStrictEqual(yield* authenticate("bearer   short  "), { tokenName: "token-1", grants: allTeams })
    }))

  it.effect("rejects missing, malformed and wrong credentials with a reason", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string | undefined, RegExp]> = [
        [undefined, /missing Authorization/],
        ["short", /malformed/],
        ["Basic c2hvcnQ=", /malformed/],
        ["Bearer ", /malformed/],
        ["Bearer shor", /invalid token/],
        ["Bearer shortX", /invalid token/],
        ["Bearer a-much-longer-token-for-c", /invalid token/]
      ]
      for (const [header, reason] of cases) {
        const error = yield* Effect.flip(authenticate(header))
        assert.strictEqual(error._tag, "Unauthorized")
        assert.match(error.message, reason, String(header))
      }
    }))

  it.effect("refuses to start without tokens or with an empty one", () =>
    Effect.gen(function*() {
      const none = yield* Effect.exit(Layer.build(layerStaticTokens([])).pipe(Effect.scoped))
      assert.isTrue(Exit.isFailure(none))
      const empty = yield* Effect.exit(Layer.build(layerStaticTokens([""])).pipe(Effect.scoped))
      assert.isTrue(Exit.isFailure(empty))
    }))

  it.effect("layerAllowAll lets anyone use every team", () =>
    Effect.gen(function*() {
      const principal = yield* Auth.use((auth) => auth.authenticate(undefined)).pipe(Effect.provide(layerAllowAll))
      assert.deepStrictEqual(principal, { tokenName: "anonymous", grants: allTeams })
    }))
})
