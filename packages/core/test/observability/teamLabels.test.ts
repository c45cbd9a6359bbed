import { describe, expect, it } from "vitest"
import type { Team } from "../../src/access/Team.ts"
import * as TeamLabels from "../../src/observability/teamLabels.ts"
import { makeEnqueueTimes } from "../../src/index/enqueueTimes.ts"

const team = (id: string, slug: string): Team => ({ id: id as Team["id"], slug, name: slug, status: "enabled", createdAt: 0 })

describe("TeamLabels", () => {
  it("labels configured teams by slug, and an id it does not know `other`", () => {
    const labels = TeamLabels.make({ open: false, teams: [team("team_a1", "web"), team("team_b2", "docs")] })
    expect([labels.of("team_a1"), labels.of("team_b2")]).toEqual(["web", "docs"])
    expect(labels.of("team_gone")).toBe("other")
  })

  it("in an open cache, labels the first teams by name and every later one `other`", () => {
    const labels = TeamLabels.make({ open: true, teams: [] }, 3)
    expect(["a", "b", "a", "c", "d", "e"].map(labels.of)).toEqual(["a", "b", "a", "c", "other", "other"])
    // A team labelled once keeps its label; one seen first past the bound never gets one.
    expect([labels.of("b"), labels.of("d")]).toEqual(["b", "other"])
  })

  it("gives an open cache 50 labels by default", () => {
    const labels = TeamLabels.make({ open: true, teams: [] })
    const names = Array.from({ length: 60 }, (_, n) => labels.of(`team-${n}`))
    expect(names.filter((name) => name !== "other")).toHaveLength(TeamLabels.defaultLimit)
    expect(names[49]).toBe("team-49")
    expect(names[50]).toBe("other")
  })
})

describe("enqueue times", () => {
  it("answers when a write was enqueued, merging marks closer than the resolution", () => {
    const times = makeEnqueueTimes(100)
    times.mark(2, 1_000) // writes 0 and 1
    times.mark(3, 1_050) // write 2: merged into the mark at 1 000
    times.mark(5, 1_200) // writes 3 and 4
    expect([times.timeOf(0), times.timeOf(2), times.timeOf(3), times.timeOf(4)]).toEqual([1_000, 1_000, 1_200, 1_200])
    expect(times.timeOf(5)).toBeUndefined()
    times.mark(6, 1_210)
    expect(times.timeOf(5)).toBe(1_210)
  })

  it("forgets the marks before the write asked about", () => {
    const times = makeEnqueueTimes(1)
    for (let n = 1; n <= 5_000; n++) times.mark(n, n * 10)
    expect(times.timeOf(4_000)).toBe(40_010)
    // Asking about an older write after that finds nothing older than what it kept.
    expect(times.timeOf(10)).toBe(40_010)
  })
})
