import { cacheIndexConformance, concurrentWritersConformance, eventWrite, makeEvent } from "@hoard/index-testkit"
import { beforeAll } from "vitest"
import { makeStore, referenceLayer } from "./ReferenceIndex.ts"
import type { ReferenceStore } from "./ReferenceIndex.ts"

// One "database" for the suite, its restart test and the two writers: reopening is a new index over it.
// Made in beforeAll, as a server would be (usePostgres): the suite must call makeLayer only when it starts.
let store: ReferenceStore | undefined
beforeAll(() => {
  store = makeStore()
})
const database = (): ReferenceStore => {
  if (store === undefined) throw new Error("makeLayer was called before beforeAll")
  return store
}

cacheIndexConformance("reference", () => referenceLayer(database()), {
  reopen: () => referenceLayer(database()),
  // The reference refuses an event without a finite time (a NOT NULL bigint column would too).
  failingWrite: (teamId) => eventWrite(makeEvent("usage.hit", teamId, Number.NaN, { source: "LOCAL" }))
})

concurrentWritersConformance("reference", () => referenceLayer(database()))
