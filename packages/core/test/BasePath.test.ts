import { describe, expect, it } from "vitest"
import { basePathMatcher } from "../src/index.ts"

describe("basePathMatcher", () => {
  it("collapses repeated slashes and keeps the query", () => {
    const relative = basePathMatcher(undefined)
    expect(relative("/v8/artifacts/abc?slug=t")).toBe("/v8/artifacts/abc?slug=t")
    expect(relative("//v8//artifacts/abc?slug=t")).toBe("/v8/artifacts/abc?slug=t")
  })

  it("strips the base path and refuses URLs outside it", () => {
    const relative = basePathMatcher("cache/")
    expect(relative("/cache/v8/artifacts/status")).toBe("/v8/artifacts/status")
    expect(relative("/cache//v8/artifacts/abc?slug=t")).toBe("/v8/artifacts/abc?slug=t")
    expect(relative("/cache?x=1")).toBe("/?x=1")
    expect(relative("/cached/v8/artifacts/status")).toBeUndefined()
    expect(relative("/v8/artifacts/status")).toBeUndefined()
  })
})
