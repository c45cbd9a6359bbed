import { ArtifactHash, Namespace } from "@hoard/core"
import type { ArtifactKey } from "@hoard/core"
import { Schema } from "effect"

const isArtifactHash = Schema.is(ArtifactHash)
const isNamespace = Schema.is(Namespace)

/** The object-name layout: `<prefix>/<namespace>/<hash>`, or `<namespace>/<hash>` without a prefix. */
export interface ObjectNames {
  readonly objectName: (key: ArtifactKey) => string
  /** The listing prefix of a namespace's artifacts, optionally narrowed to hashes starting with `hashPrefix`. */
  readonly listPrefix: (namespace: Namespace, hashPrefix?: string) => string
  /** The hash of a listed object of `namespace`, or `undefined` when the object is not an artifact. */
  readonly hashOf: (namespace: Namespace, objectName: string) => ArtifactHash | undefined
  /** The prefix of everything this storage owns (`""` for the whole bucket). */
  readonly root: string
  /** The namespace of a prefix `<root><namespace>/` listed under `root` with delimiter "/", or `undefined` for another one. */
  readonly namespaceOf: (listedPrefix: string) => Namespace | undefined
}

/** `prefix` must already be normalized: no leading or trailing slash. */
export const makeObjectNames = (prefix: string): ObjectNames => {
  const root = prefix === "" ? "" : `${prefix}/`
  const namespaceRoot = (namespace: Namespace) => `${root}${namespace}/`
  return {
    root,
    namespaceOf: (listedPrefix) => {
      if (!listedPrefix.startsWith(root) || !listedPrefix.endsWith("/")) return undefined
      const namespace = listedPrefix.slice(root.length, -1)
      return isNamespace(namespace) ? namespace : undefined
    },
    objectName: (key) => `${namespaceRoot(key.namespace)}${key.hash}`,
    listPrefix: (namespace, hashPrefix = "") => `${namespaceRoot(namespace)}${hashPrefix}`,
    hashOf: (namespace, objectName) => {
      const base = namespaceRoot(namespace)
      if (!objectName.startsWith(base)) return undefined
      const hash = objectName.slice(base.length)
      return isArtifactHash(hash) ? hash : undefined
    }
  }
}
