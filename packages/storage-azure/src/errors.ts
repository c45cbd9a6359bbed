import { isRestError } from "@azure/storage-blob"
import { isNetworkErrorCode, StorageError } from "@hoard/core"

type Operation = StorageError["operation"]

/** The Azure SDK's own code for a request that never reached the service. */
const requestNotSent = "REQUEST_SEND_ERROR"

/** The service's error code (`x-ms-error-code`), also present on bodiless HEAD answers. */
export const errorCodeOf = (error: unknown): string | undefined => {
  if (!isRestError(error)) return undefined
  const details = error.details as { readonly errorCode?: unknown } | undefined
  return typeof details?.errorCode === "string" ? details.errorCode : error.code
}

/**
 * A 404 about the blob itself; a missing container is an error, not a miss.
 * A 404 without an error code (a HEAD answer through a proxy that drops
 * headers) counts as a missing blob.
 */
export const isBlobNotFound = (error: unknown): boolean =>
  isRestError(error) && error.statusCode === 404 && (errorCodeOf(error) ?? "BlobNotFound") === "BlobNotFound"

/** The first line of an SDK message, without its final period (we add our own text after it). */
const firstLine = (text: string): string => (text.split("\n", 1)[0] ?? "").trim().replace(/\.+$/u, "")

/** Why an SDK call failed, in words an operator can act on. */
export const describeFailure = (error: unknown, container: string): string => {
  if (isRestError(error)) {
    const status = error.statusCode
    const code = errorCodeOf(error)
    const detail = firstLine(error.message)
    const answer = `${status}${code === undefined ? "" : ` ${code}`}`
    if (status === undefined) {
      return code === requestNotSent || isNetworkErrorCode(code)
        ? `cannot reach Azure Blob Storage (${code}): ${detail}`
        : `request failed${code === undefined ? "" : ` (${code})`}: ${detail}`
    }
    if (status === 401 || status === 403) {
      return `Azure refused the credentials (${answer}): ${detail}. ` +
        `Check the account key, or that the identity has the "Storage Blob Data Contributor" role on the container`
    }
    if (code === "ContainerNotFound") {
      return `container "${container}" does not exist in this storage account (create it, or enable createContainer)`
    }
    if (status === 412) return `the blob was replaced while it was being read (${answer})`
    return `Azure answered ${answer}: ${detail}`
  }
  if (error instanceof Error) {
    // Our own aborts only happen once nobody awaits the result, so this is a dropped connection.
    return error.name === "AbortError"
      ? "the connection to Azure was closed mid-transfer (AbortError)"
      : `${error.name}: ${error.message}`
  }
  return String(error)
}

export const storageError = (operation: Operation, what: string, error: unknown, container: string): StorageError =>
  new StorageError({ operation, message: `${what} failed: ${describeFailure(error, container)}`, cause: error })
