import { assert, describe, it } from "@effect/vitest"
import { Exit, Schema } from "effect"
import { ArtifactInfoJson, decodeArtifactInfoJson, encodeArtifactInfoJson } from "../../src/index.ts"
import type { ArtifactInfo } from "../../src/index.ts"

const codecEncode = Schema.encodeSync(ArtifactInfoJson)
const codecDecode = Schema.decodeUnknownExit(ArtifactInfoJson)

const bare: ArtifactInfo = { size: 0, createdAt: 1_700_000_000_000, metadata: { durationMs: 0 } }
const full: ArtifactInfo = {
  size: 1024,
  createdAt: 1_700_000_000_123,
  metadata: { durationMs: 812, tag: "c2lnbmF0dXJl", sha: "0123abcd", dirtyHash: "ffee", clientCi: "github actions" }
}

describe("the fast ArtifactInfoJson codec", () => {
  it("writes exactly the codec's JSON, with and without the optional fields", () => {
    for (const info of [bare, full, { ...full, metadata: { durationMs: 5, sha: "x" } }]) {
      assert.strictEqual(encodeArtifactInfoJson(info), codecEncode(info))
    }
  })

  it("stores only the schema's fields, as the codec does", () => {
    const extra = { ...full, path: "/srv/x", metadata: { ...full.metadata, secret: "s" } } as ArtifactInfo
    assert.strictEqual(encodeArtifactInfoJson(extra), codecEncode(full))
  })

  it("refuses an invalid info with the codec's error", () => {
    const invalid = { ...full, metadata: { ...full.metadata, tag: "caf\u00e9" } }
    assert.throws(() => encodeArtifactInfoJson(invalid), /printable ASCII/u)
    assert.throws(() => encodeArtifactInfoJson({ ...bare, size: -1 }))
  })

  it("reads what it writes", () => {
    for (const info of [bare, full]) {
      const decoded = decodeArtifactInfoJson(encodeArtifactInfoJson(info))
      assert.isTrue(Exit.isSuccess(decoded))
      if (Exit.isSuccess(decoded)) assert.deepStrictEqual(decoded.value, info)
    }
  })

  it("fails where the codec fails, with its error", () => {
    const bad = ["", "{", "null", "[]", `{"size":1}`, `{"size":-1,"createdAt":1,"metadata":{"durationMs":0}}`,
      `{"size":1,"createdAt":1,"metadata":{"durationMs":1.5}}`, `{"size":1,"createdAt":1,"metadata":{"durationMs":0,"tag":"caf\u00e9"}}`]
    for (const json of bad) {
      const fast = decodeArtifactInfoJson(json)
      assert.isTrue(Exit.isFailure(fast), json)
      assert.deepStrictEqual(fast, codecDecode(json), json)
    }
  })
})
