import { mkdirSync } from "node:fs"
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import { errorCode } from "./errors.ts"

/*
 * `mkdir -p`, one level at a time: Node's recursive `mkdir` reports a
 * read-only file system (EROFS) or a denied parent (EACCES) as ENOENT
 * (nodejs/node#47098), which would send the operator looking for the wrong
 * cause. One version for the thread pool, one for the event loop
 * (writeSmallArtifact.ts); both decide as `afterFailedMkdir` says.
 */

/** What a failed mkdir of `directory` means: it exists, or its parent must be made first; anything else is thrown. */
const afterFailedMkdir = (error: unknown, directory: string): "exists" | "parent missing" => {
  const code = errorCode(error)
  if (code === "EEXIST") return "exists"
  if (code === "ENOENT" && dirname(directory) !== directory) return "parent missing"
  throw error
}

// Made meanwhile by another upload into the same shard.
const unlessExists = (error: unknown): void => {
  if (errorCode(error) !== "EEXIST") throw error
}

export const makeDirectory = async (directory: string): Promise<void> => {
  try {
    await mkdir(directory)
  } catch (error) {
    if (afterFailedMkdir(error, directory) === "exists") return
    await makeDirectory(dirname(directory))
    await mkdir(directory).catch(unlessExists)
  }
}

export const makeDirectorySync = (directory: string): void => {
  try {
    mkdirSync(directory)
  } catch (error) {
    if (afterFailedMkdir(error, directory) === "exists") return
    makeDirectorySync(dirname(directory))
    try {
      mkdirSync(directory)
    } catch (again) {
      unlessExists(again)
    }
  }
}
