import { randomUUID } from "node:crypto"
import { join } from "node:path"
import { ArtifactHash } from "@hoard/core"
import type { ArtifactKey, Namespace } from "@hoard/core"
import { Schema } from "effect"

/**
 * Where artifacts live: `<root>/<namespace>/<shard>/<hash>`, the shard being
 * the first 2 characters of the hash, lowercased, after any tool prefix (so
 * `nx-1375…` is in shard `13`, like a turbo hash `13…`). The shard level keeps
 * directories small when a cache holds millions of artifacts.
 */
export const namespaceDirectory = (root: string, namespace: Namespace): string => join(root, namespace)

export const shardOf = (hash: string): string => {
  const key = hash.lastIndexOf("-") + 1
  return hash.slice(key, key + 2).toLowerCase()
}

/** Whether a directory entry under a namespace can be a shard (`shardOf` some hash). */
export const isShardName = (name: string): boolean => name.length === 2

export const artifactPath = (root: string, { hash, namespace }: ArtifactKey): string =>
  join(root, namespace, shardOf(hash), hash)

/** Uploads in progress, and files left by crashed ones, start with this prefix. */
export const tempPrefix = ".tmp-"

export const isTempName = (name: string): boolean => name.startsWith(tempPrefix)

const isHash = Schema.is(ArtifactHash)

/** Whether a file name in a shard directory is an artifact's: a hash, not a temp file. */
export const isArtifactName = (name: string): name is ArtifactHash => !isTempName(name) && isHash(name)

/** A fresh temp file name, in the same directory as the target so that a rename replaces it atomically. */
export const tempPathBeside = (directory: string): string => join(directory, `${tempPrefix}${randomUUID()}`)
