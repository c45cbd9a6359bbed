import { statfs } from "node:fs/promises"
import { dirname } from "node:path"
import { Effect } from "effect"
import type { Layer } from "effect"
import { CacheIndex, ConfigError } from "@hoard/core"
import type { ServeConfig } from "./ServeConfig.ts"
import { defaults } from "./settings.ts"
import { storageKind } from "./storageLayer.ts"

/**
 * The bytes an unprivileged writer may still use on the filesystem holding
 * `directory`, measured at its nearest existing ancestor (the storage
 * directory is created on first start, after this runs).
 */
export const freeBytesAt = (directory: string): Effect.Effect<number, ConfigError> =>
  Effect.tryPromise({
    try: async () => {
      for (let path = directory;; path = dirname(path)) {
        try {
          const { bavail, bsize } = await statfs(path)
          return bavail * bsize
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          if ((code !== "ENOENT" && code !== "ENOTDIR") || dirname(path) === path) throw error
        }
      }
    },
    catch: (error) =>
      new ConfigError({
        path: "maxSize",
        message: `cannot measure the free space for the default --max-size at ${directory}: ${(error as Error).message}; set --max-size`
      })
  })

/**
 * The whole cache's budget when `--max-size` is not set: for a directory, the
 * smaller of 20 GiB and half the space the cache may use, which is the free
 * space of its filesystem now plus `storedBytes`, what the cache already holds
 * (so a full cache does not see its budget shrink at every restart); none for
 * memory (`memory:<size>` has its own cap) and cloud storage.
 */
export const defaultMaxSizeBytes = (storage: string, storedBytes = 0): Effect.Effect<number | undefined, ConfigError> => {
  const classified = storageKind(storage)
  return classified.kind === "fs"
    ? Effect.map(freeBytesAt(classified.directory), (free) => defaultBudget(free, storedBytes))
    : Effect.succeed(undefined)
}

/** The smaller of 20 GiB and half of what the cache may use: the free space and what it already holds. */
export const defaultBudget = (freeBytes: number, storedBytes: number): number =>
  Math.min(defaults.maxSizeCeilingBytes, Math.floor((freeBytes + storedBytes) / 2))

/**
 * The default budget recomputed with what the index says the cache holds
 * (one read of the index before serving; an index that cannot be read counts
 * nothing stored). A budget that was set is kept as is.
 */
export const withStoredBytes = (
  config: ServeConfig,
  index: Layer.Layer<CacheIndex, unknown>
): Effect.Effect<ServeConfig, ConfigError> => {
  if (!config.maxSizeIsDefault || config.maxSizeBytes === undefined) return Effect.succeed(config)
  const stored = Effect.gen(function*() {
    const cacheIndex = yield* CacheIndex
    return yield* cacheIndex.retentionStats(undefined)
  }).pipe(
    Effect.provide(index),
    Effect.scoped,
    Effect.map((stats) => stats.bytes),
    Effect.orElseSucceed(() => 0)
  )
  return Effect.flatMap(stored, (bytes) =>
    bytes === 0
      ? Effect.succeed(config)
      : Effect.map(defaultMaxSizeBytes(config.storage, bytes), (maxSizeBytes) => ({ ...config, maxSizeBytes })))
}
