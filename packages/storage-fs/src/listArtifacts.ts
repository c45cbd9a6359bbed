import { readdir } from "node:fs/promises"
import { join } from "node:path"
import type { ArtifactHash, ListedArtifact, ListOptions, StorageError } from "@hoard/core"
import { Effect, Stream } from "effect"
import type { CorruptEntries } from "./corruptEntries.ts"
import { errorCode, ioError } from "./errors.ts"
import { isArtifactName, isShardName, namespaceDirectory } from "./layout.ts"
import { threadPoolReads } from "./fileIo.ts"
import { readArtifactInfo } from "./readArtifact.ts"

/** Entry names of a directory; none when it does not exist (yet, or any more). */
const namesIn = (directory: string): Effect.Effect<Array<string>, StorageError> =>
  Effect.tryPromise({
    try: () =>
      readdir(directory).catch((error: unknown) => {
        if (errorCode(error) === "ENOENT") return []
        throw error
      }),
    catch: ioError("list", `list ${directory}`)
  })

/**
 * Shard directories that can hold hashes starting with `prefix`. The shard
 * comes after a tool prefix (`shardOf`), so a prefix that may be the start of
 * one (lowercase letters without a `-`, e.g. `ba` of `bazel-`) matches every shard.
 */
const shardMatches = (prefix: string) => {
  const keyStart = prefix.lastIndexOf("-") + 1
  const key = prefix.slice(keyStart).toLowerCase()
  const anyShard = keyStart === 0 && /^[a-z]+$/u.test(prefix)
  return (shard: string): boolean =>
    isShardName(shard) && (anyShard || (key.length >= 2 ? shard === key.slice(0, 2) : shard.startsWith(key)))
}

/**
 * Walks `<root>/<namespace>/<shard>/`, reading each artifact's header; temp
 * files are skipped, and so are corrupt files (healed as `get` heals them).
 */
export const listArtifacts = (
  root: string,
  { hashPrefix = "", namespace }: ListOptions,
  corrupt: CorruptEntries
): Stream.Stream<ListedArtifact, StorageError> => {
  const directory = namespaceDirectory(root, namespace)
  return Stream.fromIterableEffect(namesIn(directory)).pipe(
    Stream.filter(shardMatches(hashPrefix)),
    Stream.mapEffect((shard) =>
      Effect.map(namesIn(join(directory, shard)), (names) =>
        names
          .filter((name): name is ArtifactHash => isArtifactName(name) && name.startsWith(hashPrefix))
          .map((hash) => ({ hash, path: join(directory, shard, hash) })))
    ),
    Stream.flattenIterable,
    Stream.mapEffect(({ hash, path }) =>
      Effect.tryPromise({ try: () => readArtifactInfo(path, threadPoolReads), catch: ioError("list", `read ${path}`) }).pipe(
        Effect.flatMap((read): Effect.Effect<ReadonlyArray<ListedArtifact>> => {
          const key = { namespace, hash }
          // Deleted since the directory was read: not listed.
          if (read === undefined) return Effect.succeed([])
          return read._tag === "Corrupt" ? Effect.as(corrupt.heal(key, path, read), []) : Effect.succeed([{ key, info: read.info }])
        })
      ), { concurrency: 8 }),
    Stream.flattenIterable
  )
}
