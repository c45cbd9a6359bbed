import { StorageError } from "@hoard/core"
import { Effect } from "effect"
import type { GcsRetryOptions, GcsStorageOptions } from "./GcsStorageOptions.ts"

const urlPattern = /^gs:\/\/([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?$/u

const integerParams = ["requestTimeoutMs", "maxRetries", "retryTimeoutMs"] as const
const textParams = ["projectId", "keyFilename", "apiEndpoint"] as const
const knownParams: ReadonlySet<string> = new Set([...integerParams, ...textParams])

const invalid = (url: string, reason: string) =>
  new StorageError({ operation: "check", message: `invalid GCS storage URL "${url}": ${reason}` })

/**
 * Options from the CLI's storage URL,
 * `gs://<bucket>[/<prefix>][?projectId=&keyFilename=&apiEndpoint=&requestTimeoutMs=&maxRetries=&retryTimeoutMs=]`,
 * and the environment: `STORAGE_EMULATOR_HOST` selects an emulator, and
 * `GOOGLE_CLOUD_PROJECT` (or `GCLOUD_PROJECT`) is the project unless the URL
 * names one. Credentials are Application Default Credentials
 * (`GOOGLE_APPLICATION_CREDENTIALS`...) unless `keyFilename` is given.
 */
export const optionsFromUrl = (
  url: string,
  env: Record<string, string | undefined>
): Effect.Effect<GcsStorageOptions, StorageError> =>
  Effect.gen(function*() {
    const match = urlPattern.exec(url)
    if (match === null) return yield* invalid(url, "expected gs://<bucket>[/<prefix>][?<options>]")
    const [, bucket = "", path = "", query = ""] = match
    const params = new URLSearchParams(query)
    for (const name of params.keys()) {
      if (!knownParams.has(name)) {
        return yield* invalid(url, `unknown option "${name}" (known: ${[...knownParams].join(", ")})`)
      }
    }
    const numbers: Partial<Record<(typeof integerParams)[number], number>> = {}
    for (const name of integerParams) {
      const value = params.get(name)
      if (value === null) continue
      if (!/^[0-9]{1,9}$/u.test(value)) return yield* invalid(url, `${name} must be a non-negative integer, got "${value}"`)
      numbers[name] = Number(value)
    }
    const text = (name: (typeof textParams)[number]) => {
      const value = params.get(name)
      return value === null || value === "" ? undefined : value
    }
    const projectId = text("projectId") ?? nonEmpty(env["GOOGLE_CLOUD_PROJECT"]) ?? nonEmpty(env["GCLOUD_PROJECT"])
    const keyFilename = text("keyFilename")
    const apiEndpoint = text("apiEndpoint")
    const emulatorHost = nonEmpty(env["STORAGE_EMULATOR_HOST"])
    const retry: GcsRetryOptions = {
      ...(numbers.maxRetries !== undefined && { maxRetries: numbers.maxRetries }),
      ...(numbers.retryTimeoutMs !== undefined && { totalTimeoutMs: numbers.retryTimeoutMs })
    }
    const prefix = yield* Effect.try({
      try: () => decodeURIComponent(path.replace(/^\/+|\/+$/gu, "")),
      catch: () => invalid(url, "the prefix is not validly percent-encoded")
    })
    return {
      bucket,
      ...(prefix !== "" && { prefix }),
      ...(projectId !== undefined && { projectId }),
      ...(keyFilename !== undefined && { keyFilename }),
      ...(apiEndpoint !== undefined && { apiEndpoint }),
      ...(emulatorHost !== undefined && { emulatorHost }),
      ...(numbers.requestTimeoutMs !== undefined && { requestTimeoutMs: numbers.requestTimeoutMs }),
      ...(Object.keys(retry).length > 0 && { retry })
    }
  })

const nonEmpty = (value: string | undefined): string | undefined => value === undefined || value === "" ? undefined : value
