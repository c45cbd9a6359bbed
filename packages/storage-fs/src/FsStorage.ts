import { access, constants, stat, unlink } from "node:fs/promises"
import { resolve } from "node:path"
import { ArtifactStorage, StorageError } from "@hoard/core"
import type { ArtifactStorageShape } from "@hoard/core"
import { Clock, Effect, Layer, Option } from "effect"
import { asStorageError, errorCode, ioError } from "./errors.ts"
import { artifactPath } from "./layout.ts"
import { listArtifacts } from "./listArtifacts.ts"
import { listNamespaces } from "./listNamespaces.ts"
import { prepareDirectory } from "./prepareDirectory.ts"
import { readArtifact, readArtifactInfo } from "./readArtifact.ts"
import { writeArtifact } from "./writeArtifact.ts"

export interface FsStorageOptions {
  /** Where artifacts are stored; created if missing. Several processes may share it. */
  readonly directory: string
}

/** An `ArtifactStorage` over `root`, which must exist and be writable (see `layer`). */
export const make = (root: string): ArtifactStorageShape => ({
  put: (key, body, { metadata, size }) =>
    Effect.flatMap(Clock.currentTimeMillis, (createdAt) =>
      writeArtifact(artifactPath(root, key), body, { size, createdAt, metadata })),

  get: (key) => {
    const path = artifactPath(root, key)
    // Opening is uninterruptible so that it never leaves an fd behind; an
    // interruption arriving meanwhile releases the fd instead of dropping it.
    return Effect.uninterruptibleMask((restore) =>
      Effect.tryPromise({ try: () => readArtifact(path), catch: asStorageError("get", `read ${path}`) }).pipe(
        Effect.flatMap((opened) =>
          opened === undefined
            ? Effect.succeedNone
            : restore(Effect.succeed(Option.some(opened.artifact))).pipe(
              Effect.onInterrupt(() => Effect.sync(opened.abandon))
            )
        )
      )
    )
  },

  head: (key) => {
    const path = artifactPath(root, key)
    return Effect.tryPromise({
      try: () => readArtifactInfo(path, "head"),
      catch: asStorageError("head", `read ${path}`)
    }).pipe(Effect.map(Option.fromUndefinedOr))
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

  list: (options) => listArtifacts(root, options),

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
  })
})

/**
 * File-system storage in `options.directory`. Building the layer creates the
 * directory if needed, fails with a StorageError when it is not writable, and
 * removes temp files left by crashed uploads.
 */
export const layer = (options: FsStorageOptions): Layer.Layer<ArtifactStorage, StorageError> =>
  Layer.effect(
    ArtifactStorage,
    Effect.gen(function*() {
      const root = resolve(options.directory)
      // Wall-clock time, because it is compared with file modification times.
      yield* prepareDirectory(root, Date.now())
      return make(root)
    })
  )
