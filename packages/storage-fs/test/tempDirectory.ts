import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"

/** A fresh directory under the OS temp dir, removed when the scope closes. */
export const tempDirectory = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "hoard-fs-test-"))),
  (directory) => Effect.promise(() => rm(directory, { recursive: true, force: true }))
)

