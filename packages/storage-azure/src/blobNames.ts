import { ArtifactHash, Namespace } from "@hoard/core"
import type { ArtifactKey } from "@hoard/core"
import { Schema } from "effect"

/**
 * Normalizes a configured key prefix to `""` or `"a/b/"`. Throws a
 * `RangeError` for empty, `.` or `..` segments, which URL handling could
 * collapse into another prefix.
 */
export const normalizePrefix = (prefix: string | undefined): string => {
  const trimmed = (prefix ?? "").replace(/^\/+|\/+$/gu, "")
  if (trimmed === "") return ""
  for (const segment of trimmed.split("/")) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new RangeError(`invalid key prefix "${prefix}": empty, "." and ".." segments are not allowed`)
    }
  }
  return `${trimmed}/`
}

/** `<prefix><namespace>/`: where one namespace's artifacts live. */
export const namespaceFolder = (prefix: string, namespace: Namespace): string => `${prefix}${namespace}/`

/** `<prefix><namespace>/<hash>`. */
export const blobName = (prefix: string, key: ArtifactKey): string => `${namespaceFolder(prefix, key.namespace)}${key.hash}`

const isHash = Schema.is(ArtifactHash)

/** The key a listed blob name stands for, or undefined for a name Hoard did not write. */
export const keyOfBlobName = (prefix: string, namespace: Namespace, name: string): ArtifactKey | undefined => {
  const folder = namespaceFolder(prefix, namespace)
  if (!name.startsWith(folder)) return undefined
  const hash = name.slice(folder.length)
  return isHash(hash) ? { namespace, hash } : undefined
}

const isNamespace = Schema.is(Namespace)

/** The namespace of a virtual directory `<prefix><namespace>/` listed under `prefix`, or undefined for another one. */
export const namespaceOfFolder = (prefix: string, folder: string): Namespace | undefined => {
  if (!folder.startsWith(prefix) || !folder.endsWith("/")) return undefined
  const namespace = folder.slice(prefix.length, -1)
  return isNamespace(namespace) ? namespace : undefined
}
