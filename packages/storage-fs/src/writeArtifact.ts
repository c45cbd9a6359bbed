import { open, rename, unlink } from "node:fs/promises"
import type { FileHandle } from "node:fs/promises"
import { dirname } from "node:path"
import { StorageError } from "@hoard/core"
import type { ArtifactInfo } from "@hoard/core"
import { Effect, Stream } from "effect"
import { crc32 } from "./crc32.ts"
import { makeDirectory } from "./directories.ts"
import { errorCode, ioError } from "./errors.ts"
import { encodeHeader, encodeTrailer } from "./header.ts"
import { tempPathBeside } from "./layout.ts"

interface TempFile {
  readonly path: string
  readonly handle: FileHandle
  closed: boolean
}

const createTemp = async (directory: string): Promise<TempFile> => {
  const path = tempPathBeside(directory)
  const create = async (): Promise<TempFile> => ({ path, handle: await open(path, "wx"), closed: false })
  try {
    return await create()
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error
    await makeDirectory(directory)
    return await create()
  }
}

const discardTemp = async (temp: TempFile): Promise<void> => {
  if (!temp.closed) await temp.handle.close().catch(() => undefined)
  await unlink(temp.path).catch(() => undefined)
}

/** What is left of `buffers` once their first `written` bytes are written (empty buffers dropped). */
export const afterWritten = (buffers: ReadonlyArray<Uint8Array>, written: number): Array<Uint8Array> => {
  let skip = written
  const rest: Array<Uint8Array> = []
  for (const buffer of buffers) {
    if (skip >= buffer.byteLength) skip -= buffer.byteLength
    else {
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer)
      skip = 0
    }
  }
  return rest
}

/** Writes all of `buffers` at the current position, resuming after a partial write. */
const writeFully = async (handle: FileHandle, buffers: ReadonlyArray<Uint8Array>): Promise<void> => {
  for (let pending = buffers; pending.length > 0;) {
    const { bytesWritten } = await handle.writev(pending)
    pending = afterWritten(pending, bytesWritten)
  }
}

export interface WriteOptions {
  /** Flush the data to disk before the rename (see `commit`). */
  readonly fsync: boolean
}

/**
 * Makes the complete temp file the artifact: flush its data to disk, then
 * atomically rename it over the target. With `fsync` the data is on disk
 * before the name points at it, so a stored artifact survives a power loss.
 * Without it (the default) a crash may lose the newest uploads or leave a
 * renamed file torn or zero-filled: reads check its length and CRC-32, so it
 * is a miss (and removed), never served. The directory is never fsynced:
 * after a crash the newest renames may be lost, which for a cache means a
 * miss, and saves a second fsync on every upload.
 */
const commit = async (temp: TempFile, target: string, { fsync }: WriteOptions): Promise<void> => {
  if (fsync) await temp.handle.sync()
  temp.closed = true
  await temp.handle.close()
  await rename(temp.path, target)
}

export const longerThanDeclared = (size: number) =>
  new StorageError({ operation: "put", message: `the body is longer than its declared size of ${size} bytes` })

export const shorterThanDeclared = (received: number, size: number) =>
  new StorageError({ operation: "put", message: `the body ended after ${received} of its declared ${size} bytes` })

/**
 * Writes the header, the body and the trailer (the body's CRC-32). The header
 * rides along with the first write and the trailer with the write that
 * completes the declared size: a small artifact is one write.
 */
const writeFramedBody = <E>(
  temp: TempFile,
  header: Uint8Array,
  body: Stream.Stream<Uint8Array, E>,
  size: number
): Effect.Effect<void, StorageError | E> =>
  Effect.suspend(() => {
    const write = (buffers: ReadonlyArray<Uint8Array>) =>
      Effect.tryPromise({ try: () => writeFully(temp.handle, buffers), catch: ioError("put", `write ${temp.path}`) })
    let headerWritten = false
    let received = 0
    let crc = 0
    const framed = (chunks: ReadonlyArray<Uint8Array>): ReadonlyArray<Uint8Array> => {
      const buffers = headerWritten ? [...chunks] : [header, ...chunks]
      headerWritten = true
      if (received === size) buffers.push(encodeTrailer(crc))
      return buffers
    }
    return body.pipe(
      Stream.runForEachArray((chunks) => {
        for (const chunk of chunks) {
          received += chunk.byteLength
          crc = crc32(chunk, crc)
        }
        if (received > size) return Effect.fail(longerThanDeclared(size))
        return write(framed(chunks))
      }),
      Effect.flatMap(() => {
        if (received !== size) return Effect.fail(shorterThanDeclared(received, size))
        // An empty body had no chunk to carry the header and the trailer.
        return headerWritten ? Effect.void : write(framed([]))
      })
    )
  })

/**
 * Streams `body` into a temp file beside `target`, checks its length, then
 * renames it over `target`. On any failure or interruption the temp file is
 * removed and `target` is untouched.
 */
export const writeArtifact = <E>(
  target: string,
  body: Stream.Stream<Uint8Array, E>,
  info: ArtifactInfo,
  options: WriteOptions
): Effect.Effect<void, StorageError | E> =>
  Effect.acquireUseRelease(
    Effect.tryPromise({ try: () => createTemp(dirname(target)), catch: ioError("put", `create a temp file beside ${target}`) }),
    (temp) =>
      writeFramedBody(temp, encodeHeader(info), body, info.size).pipe(
        Effect.andThen(
          Effect.uninterruptible(Effect.tryPromise({ try: () => commit(temp, target, options), catch: ioError("put", `store ${target}`) }))
        )
      ),
    (temp, exit) => (exit._tag === "Success" ? Effect.void : Effect.promise(() => discardTemp(temp)))
  )
