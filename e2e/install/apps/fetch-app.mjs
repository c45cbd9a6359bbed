// Hoard as a fetch handler ((Request) => Promise<Response>), served on Node by srvx.
import { serve } from "srvx"
import { SqliteIndex } from "@hoard/index-sql"
import { MemoryStorage } from "@hoard/storage-memory"
import { createHoardFetch } from "@hoard/transport-fetch"

const hoard = createHoardFetch({
  storage: MemoryStorage.layer({ maxBytes: 512 * 1024 * 1024 }),
  index: SqliteIndex.layer({ filename: ":memory:" }),
  tokens: (process.env.HOARD_TOKENS ?? "change-me").split(",")
})
await hoard.ready()

const server = serve({ fetch: hoard.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 3000) })
await server.ready()
console.log(`Hoard is listening on ${server.url.replace(/\/$/, "")}`)
process.once("SIGTERM", async () => {
  await server.close()
  await hoard.close()
})
