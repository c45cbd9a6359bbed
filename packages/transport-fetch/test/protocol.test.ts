import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import { protocolSuite } from "@hoard/transport-testkit"
import { serve } from "srvx"
import { createHoardFetch } from "../src/index.ts"

// The fetch handler served by srvx on Node: a real loopback server, as in
// any fetch runtime (Deno.serve, Bun.serve and Workers call it the same way).
protocolSuite("fetch handler", async (options) => {
  const hoard = createHoardFetch({ ...options, index: SqliteIndex.layer({ filename: ":memory:" }) })
  await hoard.ready()
  const server = serve({ fetch: hoard.fetch, port: 0, hostname: "127.0.0.1", silent: true })
  await server.ready()
  const url = new URL(server.url!)
  return {
    url: `${url.origin}${options.basePath ?? ""}`,
    close: async () => {
      await server.close(true)
      await hoard.close()
    }
  }
}, { storage: () => FsStorage.layer({ directory: mkdtempSync(join(tmpdir(), "hoard-fetch-")) }) })
