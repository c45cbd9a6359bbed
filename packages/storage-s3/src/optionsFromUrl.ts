import { StorageError } from "@hoard/core"
import { Effect } from "effect"
import type { S3ClientConfig } from "@aws-sdk/client-s3"
import { normalizePrefix } from "./S3StorageOptions.ts"
import type { S3StorageOptions } from "./S3StorageOptions.ts"

const invalid = (message: string) => new StorageError({ operation: "check", message })

const checksumModes = ["WHEN_SUPPORTED", "WHEN_REQUIRED"] as const
type ChecksumMode = typeof checksumModes[number]

const booleanOf = (value: string | null | undefined): boolean | undefined => {
  if (value === null || value === undefined || value === "") return undefined
  if (/^(1|true|yes)$/iu.test(value)) return true
  if (/^(0|false|no)$/iu.test(value)) return false
  return undefined
}

/**
 * Turns the CLI's storage URL `s3://<bucket>[/<prefix>]` into options.
 *
 * - The endpoint is the URL's `?endpoint=` parameter, else `S3_ENDPOINT`, else
 *   `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`; none means AWS S3 itself.
 * - The region is `?region=`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`.
 * - Path-style URLs are used when an endpoint is set, unless `?forcePathStyle=false`
 *   (or `S3_FORCE_PATH_STYLE=false`).
 * - Credentials come from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
 *   `AWS_SESSION_TOKEN` when both keys are in `env`, else from the SDK's
 *   default chain (profiles, SSO, web identity, ECS and EC2 roles...).
 * - `AWS_REQUEST_CHECKSUM_CALCULATION` and `AWS_RESPONSE_CHECKSUM_VALIDATION`
 *   (`WHEN_REQUIRED` for R2, older MinIO and Ceph) are passed to the client.
 */
export const optionsFromUrl = (
  url: string,
  env: Record<string, string | undefined>
): Effect.Effect<S3StorageOptions, StorageError> =>
  Effect.gen(function*() {
    if (!URL.canParse(url)) return yield* invalid(`"${url}" is not a URL: expected s3://<bucket>[/<prefix>]`)
    const parsed = new URL(url)
    if (parsed.protocol !== "s3:") {
      return yield* invalid(`"${url}" is not an S3 URL: expected s3://<bucket>[/<prefix>]`)
    }
    if (parsed.username !== "" || parsed.password !== "") {
      return yield* invalid(`do not put credentials in the storage URL; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`)
    }
    const bucket = parsed.hostname
    if (bucket === "") return yield* invalid(`"${url}" names no bucket: expected s3://<bucket>[/<prefix>]`)
    const params = parsed.searchParams
    for (const name of params.keys()) {
      if (!["endpoint", "region", "forcePathStyle"].includes(name)) {
        return yield* invalid(`unknown parameter "${name}" in ${url}: use endpoint, region or forcePathStyle`)
      }
    }

    const endpoint = nonEmpty(params.get("endpoint")) ?? nonEmpty(env["S3_ENDPOINT"]) ??
      nonEmpty(env["AWS_ENDPOINT_URL_S3"]) ?? nonEmpty(env["AWS_ENDPOINT_URL"])
    if (endpoint !== undefined && !/^https?:\/\/[^/]/iu.test(endpoint)) {
      return yield* invalid(`the S3 endpoint "${endpoint}" must be an http:// or https:// URL`)
    }
    const region = nonEmpty(params.get("region")) ?? nonEmpty(env["AWS_REGION"]) ?? nonEmpty(env["AWS_DEFAULT_REGION"])
    const pathStyleInput = params.get("forcePathStyle") ?? env["S3_FORCE_PATH_STYLE"]
    const forcePathStyle = booleanOf(pathStyleInput)
    if (nonEmpty(pathStyleInput) !== undefined && forcePathStyle === undefined) {
      return yield* invalid(`forcePathStyle must be true or false, got "${pathStyleInput}"`)
    }

    const accessKeyId = nonEmpty(env["AWS_ACCESS_KEY_ID"])
    const secretAccessKey = nonEmpty(env["AWS_SECRET_ACCESS_KEY"])
    const sessionToken = nonEmpty(env["AWS_SESSION_TOKEN"])

    const clientConfig: { -readonly [K in keyof S3ClientConfig]: S3ClientConfig[K] } = {}
    for (const [name, field] of [
      ["AWS_REQUEST_CHECKSUM_CALCULATION", "requestChecksumCalculation"],
      ["AWS_RESPONSE_CHECKSUM_VALIDATION", "responseChecksumValidation"]
    ] as const) {
      const value = nonEmpty(env[name])?.toUpperCase()
      if (value === undefined) continue
      if (!checksumModes.includes(value as ChecksumMode)) {
        return yield* invalid(`${name} must be WHEN_SUPPORTED or WHEN_REQUIRED, got "${env[name]}"`)
      }
      clientConfig[field] = value as ChecksumMode
    }

    const decodedPath = safeDecode(parsed.pathname)
    if (decodedPath === undefined) return yield* invalid(`the prefix in "${url}" is not valid percent-encoding`)
    const prefix = normalizePrefix(decodedPath)
    return {
      bucket,
      ...(prefix !== "" && { prefix }),
      ...(region !== undefined && { region }),
      ...(endpoint !== undefined && { endpoint }),
      ...(forcePathStyle !== undefined && { forcePathStyle }),
      ...(accessKeyId !== undefined && secretAccessKey !== undefined && {
        credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) }
      }),
      ...(Object.keys(clientConfig).length > 0 && { clientConfig })
    }
  })

const safeDecode = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

const nonEmpty = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value.trim() === "" ? undefined : value.trim()
