import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FsStorage } from "@hoard/storage-fs"
import { replicaSuite } from "@hoard/transport-testkit"
import { startHoardServer } from "../src/index.ts"

// Two servers over one directory, as two replicas sharing a volume.
const shared = mkdtempSync(join(tmpdir(), "hoard-replicas-"))

replicaSuite("fs on a shared directory", async (options) => {
  const server = await startHoardServer({ ...options, port: 0 })
  return { url: server.url, close: server.close }
}, () => FsStorage.layer({ directory: shared }))
