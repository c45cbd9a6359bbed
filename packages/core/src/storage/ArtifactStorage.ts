import { Context, Schema } from "effect"
import type { Effect, Option, Stream } from "effect"
import type { ArtifactHash } from "../domain/ArtifactHash.ts"
import type { ArtifactInfo, ArtifactMetadata } from "../domain/ArtifactMetadata.ts"
import type { Namespace } from "../domain/Namespace.ts"

/** Where an artifact lives: its team's namespace and its hash. */
export interface ArtifactKey {
  readonly namespace: Namespace
  readonly hash: ArtifactHash
}

/**
 * The backend failed (unreachable, refused credentials, permission denied,
 * disk full...). Never used for "not found": a miss is `Option.none()`. Nor
 * for a corrupt entry, which is a miss too (see `ArtifactStorageShape`).
 */
export class StorageError extends Schema.TaggedError<StorageError>()("StorageError", {
  operation: Schema.Literals(["put", "get", "head", "delete", "list", "namespaces", "check"]),
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** An artifact found in storage: what is known about it, and its bytes. */
export interface StoredArtifact {
  readonly info: ArtifactInfo
  /**
   * The bytes, read lazily. A backend failure mid-stream fails the stream (a
   * failure before the first chunk is answered 503, a later one cuts the
   * response short). Run it at most once: it may hold backend resources (an
   * open file) until it ends.
   */
  readonly body: Stream.Stream<Uint8Array, StorageError>
  /**
   * The same bytes, when the backend already holds all of them in memory
   * (a small artifact read in one go): answered as one buffer, without
   * running `body`. Optional; backends that only stream leave it out.
   */
  readonly bytes?: Uint8Array
}

export interface PutOptions {
  /** Exact number of bytes `body` will yield (the request's Content-Length). */
  readonly size: number
  readonly metadata: ArtifactMetadata
}

export interface ListOptions {
  readonly namespace: Namespace
  /** Only hashes starting with this prefix. */
  readonly hashPrefix?: string
}

/** A listing entry. */
export interface ListedArtifact {
  readonly key: ArtifactKey
  readonly info: ArtifactInfo
}

/**
 * The one interface every storage backend implements.
 *
 * Invariants every implementation must keep (checked by `@hoard/storage-testkit`):
 * - `put` is atomic: a reader sees the previous version or the complete new one,
 *   never a partial artifact, and never bytes with another upload's metadata.
 * - If `body` fails (client aborted, too large, wrong length) or `put` is
 *   interrupted, nothing is stored and a previous version stays intact.
 * - Concurrent puts of one key leave one complete artifact (last writer wins).
 * - `get` returns the bytes and the metadata of one and the same version, even
 *   when a put replaces the artifact while it is being read.
 * - A corrupt entry (stored data the backend cannot decode as an artifact:
 *   a truncated, empty or garbled file, an object with missing or unparseable
 *   metadata, bytes of another length than the metadata records) is a miss
 *   everywhere, never a StorageError (never a 503): `get` and `head` answer
 *   `Option.none()`, `list` leaves it out, so `get`, `head` and a batch of
 *   `head`s agree about it. The adapter logs it once, with its key and the
 *   reason, and counts it; it may remove it (or move it aside, bounded). A put
 *   of the key stores a new version as usual. Faults of the backend itself
 *   (unreachable, denied, disk full) are still StorageErrors, never misses.
 */
export interface ArtifactStorageShape {
  /** The backend's kind, e.g. `fs` or `s3`: the `backend` label of the storage metrics (default `custom`). */
  readonly backend?: string
  readonly put: <E>(
    key: ArtifactKey,
    body: Stream.Stream<Uint8Array, E>,
    options: PutOptions
  ) => Effect.Effect<void, StorageError | E>
  readonly get: (key: ArtifactKey) => Effect.Effect<Option.Option<StoredArtifact>, StorageError>
  readonly head: (key: ArtifactKey) => Effect.Effect<Option.Option<ArtifactInfo>, StorageError>
  /** Removes the artifact; `false` when there was none. */
  readonly delete: (key: ArtifactKey) => Effect.Effect<boolean, StorageError>
  readonly list: (options: ListOptions) => Stream.Stream<ListedArtifact, StorageError>
  /**
   * Every namespace that holds at least one artifact, each once, in no
   * particular order (reserved `_hoard*` namespaces included). Reconciliation
   * walks them to rebuild the cache index from storage.
   */
  readonly namespaces: Stream.Stream<Namespace, StorageError>
  /** A cheap readiness probe: fails when the backend is unreachable or misconfigured. */
  readonly check: Effect.Effect<void, StorageError>
}

export class ArtifactStorage extends Context.Service<ArtifactStorage, ArtifactStorageShape>()(
  "@hoard/core/ArtifactStorage"
) {}
