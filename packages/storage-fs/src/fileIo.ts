import { close, closeSync, fstat, fstatSync, open, openSync, read, readSync, statSync } from "node:fs"
import { promisify } from "node:util"
import { errorCode } from "./errors.ts"

export const openFile = promisify(open)
export const closeFile = promisify(close)
export const statFile = promisify(fstat)
const readFile = promisify(read)

/** Which file an fd or a path refers to: a rename over the path gives it another identity. */
export interface FileIdentity {
  readonly dev: bigint
  readonly ino: bigint
}

/** An open file's size and identity (one fstat). */
export const sizeAndIdentityOf = (fd: number): Promise<{ readonly size: number; readonly identity: FileIdentity }> =>
  new Promise((resolve, reject) =>
    fstat(fd, { bigint: true }, (error, stats) =>
      error ? reject(error) : resolve({ size: Number(stats.size), identity: { dev: stats.dev, ino: stats.ino } }))
  )

export const identityOf = (fd: number): Promise<FileIdentity> => sizeAndIdentityOf(fd).then(({ identity }) => identity)

export const sameFile = (a: FileIdentity, b: FileIdentity): boolean => a.dev === b.dev && a.ino === b.ino

/** Opens `path` for reading; `undefined` when there is no such file. */
export const openIfExists = async (path: string): Promise<number | undefined> => {
  try {
    return await openFile(path, "r")
  } catch (error) {
    const code = errorCode(error)
    if (code === "ENOENT" || code === "ENOTDIR") return undefined
    throw error
  }
}

/** Reads up to `length` bytes at `position` of a regular file (which returns less only at its end). */
export const readAt = async (fd: number, length: number, position: number): Promise<Buffer> => {
  const buffer = Buffer.allocUnsafe(length)
  const { bytesRead } = await readFile(fd, buffer, 0, length, position)
  return buffer.subarray(0, bytesRead)
}

export const closeQuietly = (fd: number): Promise<void> => closeFile(fd).catch(() => undefined)

/**
 * The calls that find and read the start of an artifact (its header, and the
 * whole of a small one), made either on the thread pool or on the event loop.
 */
export interface StartReads {
  /**
   * True when it is known, without a round trip, that there is no file at
   * `path`: a miss answered before any open. False when there may be one.
   */
  readonly knownAbsent: (path: string) => boolean
  /** Opens `path` for reading; `undefined` when there is no such file. */
  readonly openIfExists: (path: string) => Promise<number | undefined>
  /** As `readAt`. */
  readonly readAt: (fd: number, length: number, position: number) => Promise<Buffer>
  readonly sizeOf: (fd: number) => Promise<number>
  readonly closeQuietly: (fd: number) => Promise<void>
}

export const threadPoolReads: StartReads = {
  knownAbsent: () => false,
  openIfExists,
  readAt,
  sizeOf: (fd) => statFile(fd).then(({ size }) => size),
  closeQuietly
}

/** Where event-loop reads land before they are copied out (grown for a longer header read). */
let scratch = Buffer.allocUnsafeSlow(64 * 1024)

/**
 * The same calls made synchronously: on a local file system each takes
 * microseconds from the kernel's caches, where a thread-pool round trip costs
 * tens (`pnpm bench:fs`). Only ever for the first 64 KiB of a file: larger
 * bodies stream from the thread pool (`fdBody.ts`).
 */
export const eventLoopReads: StartReads = {
  // A stat that finds nothing makes no error object (an open would throw
  // one). Any other failure (a permission error, say) is left to the open.
  knownAbsent: (path) => {
    try {
      return statSync(path, { throwIfNoEntry: false }) === undefined
    } catch {
      return false
    }
  },
  openIfExists: async (path) => {
    try {
      return openSync(path, "r")
    } catch (error) {
      const code = errorCode(error)
      if (code === "ENOENT" || code === "ENOTDIR") return undefined
      throw error
    }
  },
  readAt: async (fd, length, position) => {
    // Into one scratch buffer, then copied out at the size read: a 1 KiB
    // artifact then costs 1 KiB, not a fresh 64 KiB buffer per request.
    // Nothing else runs during the synchronous read, so one buffer is enough.
    if (length > scratch.byteLength) scratch = Buffer.allocUnsafeSlow(length)
    return Buffer.from(scratch.subarray(0, readSync(fd, scratch, 0, length, position)))
  },
  sizeOf: async (fd) => fstatSync(fd).size,
  closeQuietly: async (fd) => {
    try {
      closeSync(fd)
    } catch {
      // As closeQuietly: nothing more can be done about a failed close.
    }
  }
}
