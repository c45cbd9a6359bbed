/**
 * Error codes of Node and its HTTP clients meaning the storage backend could
 * not be reached at all (as opposed to an answer from it). Adapters use this
 * to tell the operator "cannot reach" rather than "refused".
 */
const networkErrorCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_SOCKET"
])

export const isNetworkErrorCode = (code: string | undefined): boolean =>
  code !== undefined && networkErrorCodes.has(code)
