import { link, lstat, rename, unlink } from "node:fs/promises"
import { dirname } from "node:path"
import type { ArtifactKey } from "@hoard/core"
import { Effect } from "effect"
import { describe, errorCode } from "./errors.ts"
import { sameFile } from "./fileIo.ts"
import type { FileIdentity } from "./fileIo.ts"
import { tempPathBeside } from "./layout.ts"
import type { CorruptFile } from "./readArtifact.ts"

/**
 * Removes the corrupt file at `path` if the path still names the file that
 * was read (`file`). A put may have renamed a new version over it since: the
 * file is first moved aside under a temp name (which the temp sweep removes
 * should this process die here), then checked, and a new version is put back
 * unless an even newer one has arrived. `false` when there was nothing left to
 * remove (another reader removed it, or a put replaced it).
 */
const removeIfUnchanged = async (path: string, file: FileIdentity): Promise<boolean> => {
  const aside = tempPathBeside(dirname(path))
  try {
    await rename(path, aside)
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false
    throw error
  }
  const moved = await lstat(aside, { bigint: true }).catch((error: unknown) => {
    // Swept meanwhile: the moved file is gone either way.
    if (errorCode(error) === "ENOENT") return undefined
    throw error
  })
  if (moved === undefined || sameFile(moved, file)) {
    await unlink(aside).catch((error: unknown) => {
      if (errorCode(error) !== "ENOENT") throw error
    })
    return true
  }
  // `link` never replaces: a newer version at `path` wins, as a last writer does.
  await link(aside, path).catch((error: unknown) => {
    if (errorCode(error) !== "EEXIST") throw error
  })
  await unlink(aside)
  return false
}

/**
 * Heals corrupt artifact files: each is removed, logged once with its key and
 * the reason, and counted; the caller answers a miss. A cache loses nothing it
 * cannot rebuild by removing a file that can never be served.
 */
export interface CorruptEntries {
  readonly heal: (key: ArtifactKey, path: string, corrupt: CorruptFile) => Effect.Effect<void>
  /** How many corrupt files were found since this storage was made. */
  readonly count: Effect.Effect<number>
}

export const makeCorruptEntries = (): CorruptEntries => {
  let found = 0
  const report = (key: ArtifactKey, path: string, message: string) =>
    Effect.sync(() => {
      found++
    }).pipe(
      Effect.andThen(Effect.logWarning(`storage-fs: the artifact ${key.namespace}/${key.hash} is corrupt (${message}); answering a miss`)),
      Effect.annotateLogs({ namespace: key.namespace, hash: key.hash, path })
    )
  return {
    heal: (key, path, corrupt) =>
      Effect.tryPromise({ try: () => removeIfUnchanged(path, corrupt.file), catch: (error) => error }).pipe(
        Effect.matchEffect({
          onSuccess: (removed) => (removed ? report(key, path, `${corrupt.reason}; removed ${path}`) : Effect.void),
          // Still a miss: the file stays, and is reported again when next read.
          onFailure: (error) => report(key, path, `${corrupt.reason}; could not remove ${path}: ${describe(error)}`)
        })
      ),
    count: Effect.sync(() => found)
  }
}
