import { ArtifactHash } from "@hoard/core"
import type { ArtifactKey, Namespace } from "@hoard/core"
import { Schema } from "effect"

const isArtifactHash = Schema.is(ArtifactHash)

/** Maps artifact keys to object keys `<prefix>/<namespace>/<hash>` (no leading slash without a prefix). */
export interface ObjectKeys {
  readonly of: (key: ArtifactKey) => string
  /** The key prefix listing a namespace, optionally narrowed to hashes starting with `hashPrefix`. */
  readonly listPrefix: (namespace: Namespace, hashPrefix?: string) => string
  /** The hash of a listed object key, or `undefined` for an object that is not an artifact of `namespace`. */
  readonly hashOf: (namespace: Namespace, objectKey: string) => ArtifactHash | undefined
}

/** `prefix` is already normalized: no leading, trailing or doubled slashes. */
export const makeObjectKeys = (prefix: string): ObjectKeys => {
  const root = prefix === "" ? "" : `${prefix}/`
  const namespaceRoot = (namespace: Namespace) => `${root}${namespace}/`
  return {
    of: ({ hash, namespace }) => `${namespaceRoot(namespace)}${hash}`,
    listPrefix: (namespace, hashPrefix = "") => `${namespaceRoot(namespace)}${hashPrefix}`,
    hashOf: (namespace, objectKey) => {
      const base = namespaceRoot(namespace)
      if (!objectKey.startsWith(base)) return undefined
      const rest = objectKey.slice(base.length)
      return isArtifactHash(rest) ? rest : undefined
    }
  }
}
