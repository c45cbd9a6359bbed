import { randomUUID } from "node:crypto"
import { join } from "node:path"
import type { ArtifactKey, Namespace } from "@hoard/core"

/**
 * Where artifacts live: `<root>/<namespace>/<first 2 hex characters of the
 * hash, lowercased>/<hash>`. The shard level keeps directories small when a
 * cache holds millions of artifacts.
 */
export const namespaceDirectory = (root: string, namespace: Namespace): string => join(root, namespace)

export const shardOf = (hash: string): string => hash.slice(0, 2).toLowerCase()

export const artifactPath = (root: string, { hash, namespace }: ArtifactKey): string =>
  join(root, namespace, shardOf(hash), hash)

/** Uploads in progress, and files left by crashed ones, start with this prefix. */
export const tempPrefix = ".tmp-"

export const isTempName = (name: string): boolean => name.startsWith(tempPrefix)

/** A fresh temp file name, in the same directory as the target so that a rename replaces it atomically. */
export const tempPathBeside = (directory: string): string => join(directory, `${tempPrefix}${randomUUID()}`)
