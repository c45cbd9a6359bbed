import { PgIndex } from "@hoard/index-sql"
import { cacheIndexConformance, concurrentWritersConformance, eventWrite, makeEvent, usePostgres } from "@hoard/index-testkit"

const pg = usePostgres()

cacheIndexConformance("PgIndex", () => PgIndex.layer({ url: pg.url }), {
  reopen: () => PgIndex.layer({ url: pg.url }),
  // `created_at` is a BIGINT: NaN does not convert.
  failingWrite: (teamId) => eventWrite(makeEvent("usage.hit", teamId, Number.NaN, { source: "LOCAL" }))
})

concurrentWritersConformance("PgIndex", () => PgIndex.layer({ url: pg.url }))
