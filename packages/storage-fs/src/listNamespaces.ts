import { opendir, readdir } from "node:fs/promises"
import { join } from "node:path"
import { Namespace } from "@hoard/core"
import type { StorageError } from "@hoard/core"
import { Effect, Schema, Stream } from "effect"
import { errorCode, ioError } from "./errors.ts"
import { isArtifactName, isShardName } from "./layout.ts"

const isNamespace = Schema.is(Namespace)

/** A directory that does not exist (any more), or is not a directory: it holds nothing. */
const isGone = (error: unknown): boolean => errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR"

/** Whether a shard directory holds at least one artifact file; reads only until it finds one. */
const shardHoldsArtifact = async (directory: string): Promise<boolean> => {
  let entries
  try {
    entries = await opendir(directory)
  } catch (error) {
    if (isGone(error)) return false
    throw error
  }
  // Leaving the loop early closes the directory.
  for await (const entry of entries) {
    if (isArtifactName(entry.name)) return true
  }
  return false
}

/**
 * Whether `<root>/<namespace>` holds at least one artifact. Deleting an
 * artifact leaves its (possibly empty) shard directory, and an upload in
 * progress only a temp file: neither makes a namespace.
 */
const holdsArtifact = async (directory: string): Promise<boolean> => {
  let shards: Array<string>
  try {
    shards = await readdir(directory)
  } catch (error) {
    if (isGone(error)) return false
    throw error
  }
  for (const shard of shards) {
    if (isShardName(shard) && (await shardHoldsArtifact(join(directory, shard)))) return true
  }
  return false
}

/** The entries of `root`, read as a stream rather than all at once. */
const entriesOf = async function*(root: string) {
  for await (const entry of await opendir(root)) yield entry
}

/**
 * The namespace directories under `root` that hold at least one artifact.
 * Temp files (and anything else that is not a valid namespace name) are skipped.
 */
export const listNamespaces = (root: string): Stream.Stream<Namespace, StorageError> =>
  Stream.suspend(() => Stream.fromAsyncIterable(entriesOf(root), ioError("namespaces", `list the namespaces in ${root}`))).pipe(
    // A namespace directory may be a symlink to one elsewhere; `holdsArtifact` follows it.
    Stream.filter((entry) => (entry.isDirectory() || entry.isSymbolicLink()) && isNamespace(entry.name)),
    Stream.mapEffect((entry) => {
      const directory = join(root, entry.name)
      return Effect.tryPromise({
        try: async (): Promise<ReadonlyArray<Namespace>> => ((await holdsArtifact(directory)) ? [entry.name as Namespace] : []),
        catch: ioError("namespaces", `read ${directory}`)
      })
    }, { concurrency: 8 }),
    Stream.flattenIterable
  )
