import { ArtifactStorage, StorageError } from "@hoard/core"
import type { ArtifactInfo, ArtifactKey, ArtifactStorageShape, ListedArtifact, Namespace } from "@hoard/core"
import { Clock, Effect, Layer, Option, Stream } from "effect"
import { ByteBudgetLru } from "./ByteBudgetLru.ts"
import { collectBody } from "./collectBody.ts"

export interface MemoryStorageOptions {
  /** Most bytes of artifact bodies held at once; least recently used artifacts are evicted beyond it. Default 256 MiB. */
  readonly maxBytes?: number
}

export const defaultMaxBytes = 256 * 1024 * 1024

interface Entry extends ListedArtifact {
  readonly bytes: Uint8Array
}

const entryKey = (key: ArtifactKey): string => `${key.namespace}/${key.hash}`

/** An in-memory `ArtifactStorage` within a byte budget. */
export const make = (options: MemoryStorageOptions = {}): ArtifactStorageShape => {
  const maxBytes = options.maxBytes ?? defaultMaxBytes
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`MemoryStorage maxBytes must be a non-negative integer, got ${maxBytes}`)
  }
  const store = new ByteBudgetLru<Entry>(maxBytes)

  return {
    backend: "memory",
    put: Effect.fnUntraced(function*(key, body, { metadata, size }) {
      if (size > maxBytes) {
        return yield* new StorageError({
          operation: "put",
          message: `the artifact (${size} bytes) is larger than the whole memory budget (${maxBytes} bytes)`
        })
      }
      const bytes = yield* collectBody(body, size)
      const info: ArtifactInfo = { size, createdAt: yield* Clock.currentTimeMillis, metadata }
      // Swapped in only once complete: readers never see a partial artifact.
      store.set(entryKey(key), { key, info, bytes }, size)
    }),

    get: (key) =>
      Effect.sync(() =>
        Option.map(Option.fromUndefinedOr(store.get(entryKey(key))), ({ bytes, info }) => ({
          info,
          // Stored buffers are never written again, so a later put cannot change these bytes.
          body: bytes.byteLength === 0 ? Stream.empty : Stream.succeed(bytes),
          bytes
        }))
      ),

    head: (key) => Effect.sync(() => Option.map(Option.fromUndefinedOr(store.peek(entryKey(key))), (entry) => entry.info)),

    delete: (key) => Effect.sync(() => store.delete(entryKey(key))),

    list: ({ hashPrefix = "", namespace }) =>
      Stream.suspend(() =>
        Stream.fromIterable(
          Array.from(store.values())
            .filter(({ key }) => key.namespace === namespace && key.hash.startsWith(hashPrefix))
            .map(({ info, key }): ListedArtifact => ({ key, info }))
        )
      ),

    // The namespaces of the artifacts held now: evicted and deleted ones are gone from the store.
    namespaces: Stream.suspend(() =>
      Stream.fromIterable(new Set<Namespace>(Array.from(store.values(), ({ key }) => key.namespace)))
    ),

    check: Effect.void
  }
}

/** A fresh, empty in-memory storage per build of the layer. */
export const layer = (options?: MemoryStorageOptions): Layer.Layer<ArtifactStorage> =>
  Layer.sync(ArtifactStorage, () => make(options))
