import { assert, describe, it } from "@effect/vitest"
import { Option, Schema } from "effect"
import { ArtifactHash, Namespace, TurboHash, UsageEventBatch } from "../src/index.ts"

const decodes = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, input: unknown) =>
  Option.isSome(Schema.decodeUnknownOption(schema)(input))

describe("protocol schemas", () => {
  it("accepts turbo hashes as hex only, up to 128 characters", () => {
    for (const good of ["88746776efad2e43", "ABCDEF0123", "a".repeat(128)]) assert.isTrue(decodes(TurboHash, good), good)
    for (const bad of ["", "xyz", "../etc", "ab/cd", "a".repeat(129), "abc\n", "nx-123", 42]) assert.isFalse(decodes(TurboHash, bad), String(bad))
  })

  it("stores turbo hashes and the tools' prefixed keys, nothing that could leave a path segment", () => {
    for (const good of ["88746776efad2e43", "nx-13755202064671528681", "bazel-cas-" + "a".repeat(64), "ccache-e4a50em2lf"]) {
      assert.isTrue(decodes(ArtifactHash, good), good)
    }
    for (const bad of ["", "../etc", "ab/cd", "-abc", "nx-", "Nx-12", "a-b-c-d", ".tmp-x", "a".repeat(129), "abc\n"]) {
      assert.isFalse(decodes(ArtifactHash, bad), bad)
    }
  })

  it("accepts team ids and slugs that are safe path segments", () => {
    for (const good of ["my-team", "team_abc123", "Acme.Corp", "a"]) assert.isTrue(decodes(Namespace, good), good)
    for (const bad of ["", ".", "..", ".hidden", "a/b", "a\\b", "a b", "x".repeat(129)]) assert.isFalse(decodes(Namespace, bad), bad)
  })

  it("validates usage events as turbo sends them", () => {
    const event = { sessionId: "4b7c1b3e-0000-4000-8000-000000000001", source: "REMOTE", event: "HIT", hash: "abc", duration: 5 }
    assert.isTrue(decodes(UsageEventBatch, [event, { ...event, duration: undefined, source: "LOCAL", event: "MISS" }].map(({ duration, ...rest }) => duration === undefined ? rest : { ...rest, duration })))
    assert.isFalse(decodes(UsageEventBatch, [{ ...event, source: "CLOUD" }]))
    assert.isFalse(decodes(UsageEventBatch, [{ ...event, duration: 1.5 }]))
    assert.isFalse(decodes(UsageEventBatch, [{ ...event, hash: "zz" }]))
    assert.isFalse(decodes(UsageEventBatch, Array.from({ length: 1001 }, () => event)))
  })
})
