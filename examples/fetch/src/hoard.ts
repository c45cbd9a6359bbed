import { MemoryStorage } from "@hoard/storage-memory"
import { SqliteIndex } from "@hoard/index-sql"
import { createHoardFetch } from "@hoard/transport-fetch"

/**
 * A fetch handler: `hoard.fetch(request)` answers any Request. Export it from a
 * Deno, Bun or Workers entry point (`export default { fetch: hoard.fetch }`), or
 * serve it on Node with srvx as in main.ts. Memory storage keeps it portable.
 */
export const createHoard = (tokens: ReadonlyArray<string>) =>
  createHoardFetch({
    storage: MemoryStorage.layer({ maxBytes: 512 * 1024 * 1024 }),
    // The cache index (artifact records, activity, analytics); a file keeps it across restarts.
    index: SqliteIndex.layer({ filename: process.env["HOARD_INDEX_FILE"] ?? ":memory:" }),
    tokens
  })
