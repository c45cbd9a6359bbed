import { ArtifactHash, Namespace } from "@hoard/core"
import type { ArtifactKey } from "@hoard/core"
import { Schema } from "effect"

const isArtifactHash = Schema.is(ArtifactHash)
const isNamespace = Schema.is(Namespace)

/** Maps artifact keys to object keys `<prefix>/<namespace>/<hash>` (no leading slash without a prefix). */
export interface ObjectKeys {
  readonly of: (key: ArtifactKey) => string
  /** The key prefix listing a namespace, optionally narrowed to hashes starting with `hashPrefix`. */
  readonly listPrefix: (namespace: Namespace, hashPrefix?: string) => string
  /** The hash of a listed object key, or `undefined` for an object that is not an artifact of `namespace`. */
  readonly hashOf: (namespace: Namespace, objectKey: string) => ArtifactHash | undefined
  /** The key prefix under which every namespace is a "folder": `<prefix>/`, or `""` without a prefix. */
  readonly root: string
  /** The namespace of a common prefix `<prefix>/<namespace>/` listed under `root`, or `undefined` for another folder. */
  readonly namespaceOf: (commonPrefix: string) => Namespace | undefined
}

/** `prefix` is already normalized: no leading, trailing or doubled slashes. */
export const makeObjectKeys = (prefix: string): ObjectKeys => {
  const root = prefix === "" ? "" : `${prefix}/`
  const namespaceRoot = (namespace: Namespace) => `${root}${namespace}/`
  return {
    root,
    namespaceOf: (commonPrefix) => {
      if (!commonPrefix.startsWith(root) || !commonPrefix.endsWith("/")) return undefined
      const namespace = commonPrefix.slice(root.length, -1)
      return isNamespace(namespace) ? namespace : undefined
    },
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
