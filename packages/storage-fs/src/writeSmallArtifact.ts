import { closeSync, openSync, renameSync, unlinkSync, writevSync } from "node:fs"
import { dirname } from "node:path"
import type { ArtifactInfo, StorageError } from "@hoard/core"
import { Effect, Stream } from "effect"
import { crc32 } from "./crc32.ts"
import { makeDirectorySync } from "./directories.ts"
import { errorCode, ioError } from "./errors.ts"
import { encodeHeader, encodeTrailer } from "./header.ts"
import { tempPathBeside } from "./layout.ts"
import { afterWritten, longerThanDeclared, shorterThanDeclared } from "./writeArtifact.ts"

/**
 * Writes `buffers` to a temp file beside `target` and renames it over
 * `target`, with synchronous calls and no fsync; on failure the temp file is
 * removed. Nothing else runs meanwhile, so there is nothing to interrupt.
 */
const writeWholeSync = (target: string, buffers: ReadonlyArray<Uint8Array>): void => {
  const directory = dirname(target)
  const path = tempPathBeside(directory)
  let fd: number
  try {
    fd = openSync(path, "wx")
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error
    makeDirectorySync(directory)
    fd = openSync(path, "wx")
  }
  try {
    for (let pending = buffers; pending.length > 0;) {
      pending = afterWritten(pending, writevSync(fd, pending))
    }
  } catch (error) {
    closeQuietlySync(fd)
    unlinkQuietlySync(path)
    throw error
  }
  try {
    closeSync(fd)
    renameSync(path, target)
  } catch (error) {
    unlinkQuietlySync(path)
    throw error
  }
}

const closeQuietlySync = (fd: number): void => {
  try {
    closeSync(fd)
  } catch {
    // Nothing more can be done about a failed close.
  }
}

const unlinkQuietlySync = (path: string): void => {
  try {
    unlinkSync(path)
  } catch {
    // Left for the temp-file sweep.
  }
}

/** The largest artifact `writeSmallArtifact` takes: what is held in memory per upload. */
export const smallArtifactLimit = 64 * 1024

/**
 * `writeArtifact` for an artifact of at most `smallArtifactLimit` bytes, not
 * fsynced: its body is collected (checked against its declared size), then
 * framed, written and renamed into place with synchronous calls. On a local
 * file system each takes microseconds from the kernel's caches, where the
 * four thread-pool round trips of `writeArtifact` cost tens each.
 */
export const writeSmallArtifact = <E>(
  target: string,
  body: Stream.Stream<Uint8Array, E>,
  info: ArtifactInfo
): Effect.Effect<void, StorageError | E> =>
  Effect.suspend(() => {
    const buffers: Array<Uint8Array> = [encodeHeader(info)]
    let received = 0
    let crc = 0
    return body.pipe(
      Stream.runForEachArray((chunks) => {
        for (const chunk of chunks) {
          received += chunk.byteLength
          if (received > info.size) return Effect.fail(longerThanDeclared(info.size))
          crc = crc32(chunk, crc)
          buffers.push(chunk)
        }
        return Effect.void
      }),
      Effect.flatMap(() => {
        if (received !== info.size) return Effect.fail(shorterThanDeclared(received, info.size))
        buffers.push(encodeTrailer(crc))
        return Effect.try({ try: () => writeWholeSync(target, buffers), catch: ioError("put", `store ${target}`) })
      })
    )
  })
