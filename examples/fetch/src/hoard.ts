import { MemoryStorage } from "@hoard/storage-memory"
import { SqliteIndex } from "@hoard/index-sql"
import { createHoardFetch } from "@hoard/transport-fetch"

/**
 * A fetch handler: `hoard.fetch(request)` answers any Request. Export it from a
 * fetch runtime's entry point (`export default { fetch: hoard.fetch }`), or
 * serve it on Node with srvx as in main.ts. The SQLite index runs on
 * `node:sqlite` (Node, Deno); elsewhere pass another `CacheIndex` layer.
 */
export const createHoard = (tokens: ReadonlyArray<string>) =>
  createHoardFetch({
    storage: MemoryStorage.layer({ maxBytes: 512 * 1024 * 1024 }),
    // The cache index (artifact records, activity, analytics), in memory here; a file keeps it across restarts.
    index: SqliteIndex.layer({ filename: ":memory:" }),
    tokens
  })
