import { StorageError } from "@hoard/core"

export type Operation = StorageError["operation"]

/** The `code` of a Node system error (`ENOENT`, `EACCES`...), if any. */
export const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

/** The message of an error, for logs and StorageError messages. */
export const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** A StorageError for a failed file-system call: what was being done, and why it failed. */
export const ioError = (operation: Operation, doing: string) => (cause: unknown): StorageError =>
  new StorageError({ operation, message: `could not ${doing}: ${describe(cause)}`, cause })
