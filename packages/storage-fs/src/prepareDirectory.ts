import { lstat, mkdir, readdir, unlink, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { StorageError } from "@hoard/core"
import { Effect } from "effect"
import { errorCode } from "./errors.ts"
import { isTempName, tempPathBeside } from "./layout.ts"

const setupError = (message: string, cause: unknown) =>
  new StorageError({ operation: "check", message: `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

/** Fails unless a file can be created in `directory`. */
export const verifyWritable = (directory: string): Effect.Effect<void, StorageError> =>
  Effect.tryPromise({
    try: async () => {
      const probe = tempPathBeside(directory)
      await writeFile(probe, "")
      await unlink(probe)
    },
    catch: (cause) => setupError(`the storage directory ${directory} is not writable`, cause)
  })

const entriesOf = (directory: string) =>
  readdir(directory, { withFileTypes: true }).catch((error: unknown) => {
    // Removed concurrently, or not a directory: nothing to clean there.
    if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return []
    throw error
  })

const removeIfStale = async (path: string, olderThan: number): Promise<boolean> => {
  try {
    const stats = await lstat(path)
    if (!stats.isFile() || stats.mtimeMs >= olderThan) return false
    await unlink(path)
    return true
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false
    throw error
  }
}

/**
 * Removes temp files of crashed uploads (last modified more than
 * `staleAfterMs` before `now`) at `<root>/`, `<root>/<namespace>/` and
 * `<root>/<namespace>/<shard>/`. Returns how many were removed.
 */
export const removeStaleTempFiles = (root: string, now: number, staleAfterMs: number): Effect.Effect<number, StorageError> =>
  Effect.tryPromise({
    try: async () => {
      const olderThan = now - staleAfterMs
      let removed = 0
      const sweep = async (directory: string, depth: number): Promise<void> => {
        for (const entry of await entriesOf(directory)) {
          const path = join(directory, entry.name)
          if (isTempName(entry.name)) {
            if (await removeIfStale(path, olderThan)) removed++
          } else if (entry.isDirectory() && depth < 2) {
            await sweep(path, depth + 1)
          }
        }
      }
      await sweep(root, 0)
      return removed
    },
    catch: (cause) => setupError(`could not clean up temp files in ${root}`, cause)
  })

/** Creates the storage directory if needed, checks it is writable, and removes stale temp files. */
export const prepareDirectory = (directory: string, now: number, staleAfterMs: number): Effect.Effect<void, StorageError> =>
  Effect.gen(function*() {
    yield* Effect.tryPromise({
      try: () => mkdir(directory, { recursive: true }),
      catch: (cause) => setupError(`could not create the storage directory ${directory}`, cause)
    })
    yield* verifyWritable(directory)
    yield* removeStaleTempFiles(directory, now, staleAfterMs)
  })
