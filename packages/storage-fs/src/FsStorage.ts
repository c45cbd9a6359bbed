import { access, constants, stat, unlink } from "node:fs/promises"
import { resolve } from "node:path"
import { ArtifactStorage, StorageError } from "@hoard/core"
import type { ArtifactStorageShape } from "@hoard/core"
import { Clock, Duration, Effect, Layer, Option } from "effect"
import { makeCorruptEntries } from "./corruptEntries.ts"
import { errorCode, ioError } from "./errors.ts"
import { artifactPath } from "./layout.ts"
import { listArtifacts } from "./listArtifacts.ts"
import { listNamespaces } from "./listNamespaces.ts"
import { eventLoopReads, threadPoolReads } from "./fileIo.ts"
import { isLocalFileSystem } from "./localFileSystem.ts"
import { prepareDirectory, removeStaleTempFiles } from "./prepareDirectory.ts"
import { readArtifact, readArtifactInfo } from "./readArtifact.ts"
import { writeArtifact } from "./writeArtifact.ts"
import { smallArtifactLimit, writeSmallArtifact } from "./writeSmallArtifact.ts"

export interface FsStorageOptions {
  /** Where artifacts are stored; created if missing. Several processes may share it. */
  readonly directory: string
  /**
   * A temp file not written to for this long belongs to a crashed upload and
   * is removed (a live upload keeps writing to its temp file, and the server
   * drops one idle for 2 minutes). Default 10 minutes.
   */
  readonly staleTempFileAge?: Duration.Input
  /** How often, while running, temp files of crashed uploads are swept. Default 5 minutes. */
  readonly tempSweepInterval?: Duration.Input
  /**
   * Flush each upload's data to disk before renaming it into place, so a
   * stored artifact survives a power loss. Default `false`: a crash may then
   * lose the newest uploads, and a file it left torn or zero-filled fails its
   * length or CRC-32 check, so it is a miss (removed as corrupt), never
   * served. A cache can rebuild what it loses; the flush costs a small
   * upload about a third of its CPU (`pnpm bench:fs`).
   */
  readonly fsync?: boolean
  /**
   * Whether a get or head finds, opens and reads the start of an artifact
   * (its header, and all of one up to 64 KiB) on the event loop: a stat, an
   * open and a read each take microseconds from the kernel's caches, where a
   * thread-pool round trip costs tens; a miss then costs one stat. Larger
   * bodies always stream from the thread pool. Default: `true` on a local
   * file system, `false` on a network or FUSE one (NFS, SMB, Ceph, sshfs,
   * gcsfuse, ...), where each call is a round trip that would stall every
   * request (`layer` looks; `make`, which does not, defaults to `false`).
   */
  readonly syncReads?: boolean
  /**
   * Whether an upload of at most 64 KiB is collected and then created,
   * written and renamed into place with synchronous calls, for the same
   * reason as `syncReads`: on a local file system each takes microseconds to
   * tens of them, and saves a thread-pool round trip as costly. Larger
   * uploads always stream through the thread pool. Never with `fsync`, which
   * can take milliseconds. Default: as `syncReads`.
   */
  readonly syncWrites?: boolean
}

/** An `ArtifactStorage` on a directory, with what it has found there. */
export interface FsStorageShape extends ArtifactStorageShape {
  /** How many corrupt artifact files it has found (and removed) since it was made. */
  readonly corruptEntries: Effect.Effect<number>
}

/**
 * An `ArtifactStorage` over `root`, which must exist and be writable (see
 * `layer`). A corrupt artifact file (undecodable, or not as long as its header
 * says) is a miss for get, head and list alike: it is removed, logged once
 * and counted in `corruptEntries`. File-system failures stay StorageErrors.
 */
export const make = (
  root: string,
  options: Pick<FsStorageOptions, "fsync" | "syncReads" | "syncWrites"> = {}
): FsStorageShape => {
  const fsync = options.fsync ?? false
  const corrupt = makeCorruptEntries()
  const reads = options.syncReads === true ? eventLoopReads : threadPoolReads
  const syncWrites = (options.syncWrites ?? options.syncReads) === true && !fsync
  return {
    backend: "fs",
    put: (key, body, { metadata, size }) =>
      Effect.flatMap(Clock.currentTimeMillis, (createdAt) =>
        syncWrites && size <= smallArtifactLimit
          ? writeSmallArtifact(artifactPath(root, key), body, { size, createdAt, metadata })
          : writeArtifact(artifactPath(root, key), body, { size, createdAt, metadata }, { fsync })),

    get: (key) => {
      const path = artifactPath(root, key)
      if (reads.knownAbsent(path)) return Effect.succeedNone
      // Opening is uninterruptible so that it never leaves an fd behind; an
      // interruption arriving meanwhile releases the fd instead of dropping it.
      return Effect.uninterruptibleMask((restore) =>
        Effect.tryPromise({
          try: () => readArtifact(path, (file) => corrupt.heal(key, path, file), reads),
          catch: ioError("get", `read ${path}`)
        }).pipe(
          Effect.flatMap((opened) => {
            if (opened === undefined) return Effect.succeedNone
            if (opened._tag === "Corrupt") return Effect.as(corrupt.heal(key, path, opened), Option.none())
            return restore(Effect.succeed(Option.some(opened.artifact))).pipe(
              Effect.onInterrupt(() => Effect.sync(opened.abandon))
            )
          })
        )
      )
    },

    head: (key) => {
      const path = artifactPath(root, key)
      if (reads.knownAbsent(path)) return Effect.succeedNone
      return Effect.tryPromise({ try: () => readArtifactInfo(path, reads), catch: ioError("head", `read ${path}`) }).pipe(
        Effect.flatMap((read) => {
          if (read === undefined) return Effect.succeedNone
          return read._tag === "Corrupt" ? Effect.as(corrupt.heal(key, path, read), Option.none()) : Effect.succeedSome(read.info)
        })
      )
    },

    delete: (key) => {
      const path = artifactPath(root, key)
      return Effect.tryPromise({
        try: () =>
          unlink(path).then(
            () => true,
            (error: unknown) => {
              if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") return false
              throw error
            }
          ),
        catch: ioError("delete", `delete ${path}`)
      })
    },

    list: (options) => listArtifacts(root, options, corrupt),

    namespaces: listNamespaces(root),

    check: Effect.tryPromise({
      try: async () => {
        if (!(await stat(root)).isDirectory()) throw new Error("it is not a directory")
        await access(root, constants.W_OK)
      },
      catch: (cause) =>
        new StorageError({
          operation: "check",
          message: `the storage directory ${root} is not usable: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause
        })
    }),

    corruptEntries: corrupt.count
  }
}

const defaultStaleTempFileAge: Duration.Input = "10 minutes"
const defaultTempSweepInterval: Duration.Input = "5 minutes"

/** A temp-file sweep of `root` that logs rather than fails: a failed sweep leaves the next one to try. */
const sweepOnce = (root: string, staleAfterMs: number) =>
  Effect.suspend(() => removeStaleTempFiles(root, Date.now(), staleAfterMs)).pipe(
    Effect.flatMap((removed) =>
      removed === 0 ? Effect.void : Effect.logInfo(`storage-fs: removed ${removed} temp file(s) of crashed uploads in ${root}`)
    ),
    Effect.catch((error) => Effect.logWarning(`storage-fs: sweeping temp files failed, will retry: ${error.message}`))
  )

const positiveMillis = (name: string, input: Duration.Input): Effect.Effect<number, StorageError> => {
  const millis = Duration.toMillis(input)
  return millis > 0 && Number.isFinite(millis)
    ? Effect.succeed(millis)
    : Effect.fail(new StorageError({ operation: "check", message: `invalid FsStorage options: ${name} must be a positive duration` }))
}

/**
 * File-system storage in `options.directory`. Building the layer creates the
 * directory if needed, fails with a StorageError when it is not writable, and
 * removes temp files left by crashed uploads, then again every
 * `tempSweepInterval` for as long as the layer's scope is open (a fiber in it).
 */
export const layer = (options: FsStorageOptions): Layer.Layer<ArtifactStorage, StorageError> =>
  Layer.effect(
    ArtifactStorage,
    Effect.gen(function*() {
      const root = resolve(options.directory)
      const staleAfterMs = yield* positiveMillis("staleTempFileAge", options.staleTempFileAge ?? defaultStaleTempFileAge)
      const intervalMs = yield* positiveMillis("tempSweepInterval", options.tempSweepInterval ?? defaultTempSweepInterval)
      // Wall-clock time, because it is compared with file modification times.
      yield* prepareDirectory(root, Date.now(), staleAfterMs)
      yield* Effect.forkScoped(Effect.forever(Effect.delay(sweepOnce(root, staleAfterMs), intervalMs)))
      const syncReads = options.syncReads ??
        (yield* Effect.tryPromise({ try: () => isLocalFileSystem(root), catch: ioError("check", `statfs ${root}`) }))
      return make(root, { ...options, syncReads })
    })
  )
