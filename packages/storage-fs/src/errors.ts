import { StorageError } from "@hoard/core"

export type Operation = StorageError["operation"]

/** The `code` of a Node system error (`ENOENT`, `EACCES`...), if any. */
export const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** A StorageError for a failed file-system call: what was being done, and why it failed. */
export const ioError = (operation: Operation, doing: string) => (cause: unknown): StorageError =>
  new StorageError({ operation, message: `could not ${doing}: ${describe(cause)}`, cause })

export const corruptFile = (operation: Operation, path: string, reason: string): StorageError =>
  new StorageError({ operation, message: `the artifact file ${path} is corrupt: ${reason}` })

/** Like `ioError`, but keeps a StorageError thrown on purpose (a corrupt file) as it is. */
export const asStorageError = (operation: Operation, doing: string) => (cause: unknown): StorageError =>
  cause instanceof StorageError ? cause : ioError(operation, doing)(cause)
