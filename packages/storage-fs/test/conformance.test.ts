import { mkdtempSync, rmSync } from "node:fs"
import { open, stat, truncate } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ArtifactKey } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import type { FsStorageOptions } from "@hoard/storage-fs"
import { storageConformance } from "@hoard/storage-testkit"
import { Effect } from "effect"
import { afterAll } from "vitest"

/** The suite over a fresh directory, created here rather than in the layer so that the corruptions can reach the files. */
const conformance = (name: string, options: Pick<FsStorageOptions, "fsync" | "syncReads" | "syncWrites">) => {
  const directory = mkdtempSync(join(tmpdir(), "hoard-fs-conformance-"))
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  const fileOf = (key: ArtifactKey) => join(directory, key.namespace, key.hash.slice(0, 2).toLowerCase(), key.hash)

  /** Overwrites bytes of the artifact file at `position`, as a bad disk or a stray tool would. */
  const overwrite = (key: ArtifactKey, position: number, bytes: string) =>
    Effect.promise(async () => {
      const file = await open(fileOf(key), "r+")
      await file.write(Buffer.from(bytes, "latin1"), 0, bytes.length, position).finally(() => file.close())
    })

  storageConformance(name, FsStorage.layer({ directory, ...options }), {
    corruptions: {
      "a truncated body": (key) => Effect.promise(async () => truncate(fileOf(key), (await stat(fileOf(key))).size - 1)),
      "an empty file": (key) => Effect.promise(() => truncate(fileOf(key), 0)),
      "a bad header": (key) => overwrite(key, 0, "PK\u0003\u0004"),
      "garbage metadata": (key) => overwrite(key, 10, "{\u0000garbage")
    }
  })
}

conformance("FsStorage", { fsync: true })
// Without fsync (the default) a crash can leave a short or damaged file behind: corrupt.test.ts has what it would look like.
conformance("FsStorage without fsync", { fsync: false })
// The tmp directory is local, so the two above find and read artifacts' starts on the event loop, and the second
// writes small artifacts there too; here the thread pool does both.
conformance("FsStorage with thread-pool reads and writes", { fsync: false, syncReads: false })
