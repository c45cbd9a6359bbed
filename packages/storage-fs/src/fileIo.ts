import { close, fstat, open, read } from "node:fs"
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

/** Reads up to `length` bytes from the start of a regular file. */
export const readStart = (fd: number, length: number): Promise<Buffer> => readAt(fd, length, 0)

export const closeQuietly = (fd: number): Promise<void> => closeFile(fd).catch(() => undefined)
