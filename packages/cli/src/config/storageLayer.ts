import { isAbsolute, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import type { ArtifactStorage } from "@hoard/core"
import { FsStorage } from "@hoard/storage-fs"
import { MemoryStorage } from "@hoard/storage-memory"
import { parseByteSize } from "@hoard/core"
import { cloudStorageSchemes } from "./cloudStorage.ts"
import { ConfigError } from "@hoard/core"

export interface StorageChoice {
  readonly layer: Layer.Layer<ArtifactStorage, unknown>
  /** What the operator sees in the startup banner. */
  readonly description: string
}

/**
 * Turns the `--storage` value into a storage layer: `memory` or
 * `memory:<size>`, a directory path or `file://` URL, or a cloud URL.
 */
export const storageFromSpec = (
  spec: string,
  env: Record<string, string | undefined> = process.env
): Effect.Effect<StorageChoice, ConfigError> => {
  if (spec === "memory" || spec.startsWith("memory:")) {
    const sizeInput = spec.slice("memory:".length)
    const maxBytes = sizeInput === "" ? undefined : parseByteSize(sizeInput)
    if (sizeInput !== "" && maxBytes === undefined) {
      return Effect.fail(new ConfigError({ path: "storage", message: `invalid memory budget "${sizeInput}" in --storage ${spec}: e.g. memory:512MiB` }))
    }
    return Effect.succeed({
      layer: MemoryStorage.layer(maxBytes === undefined ? {} : { maxBytes }),
      description: `memory${sizeInput === "" ? "" : ` (budget ${sizeInput})`}`
    })
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//iu.exec(spec)?.[1]?.toLowerCase()
  if (scheme === undefined || scheme === "file") {
    const directory = scheme === "file" ? fileURLToPath(spec) : isAbsolute(spec) ? spec : resolve(spec)
    return Effect.succeed({ layer: FsStorage.layer({ directory }), description: `fs ${directory}` })
  }
  const cloud = cloudStorageSchemes[scheme]
  if (cloud !== undefined) {
    return Effect.promise(cloud).pipe(
      Effect.flatMap((fromUrl) => fromUrl(spec, env)),
      Effect.mapError((error) => new ConfigError({ path: "storage", message: `invalid storage URL ${spec}: ${error.message}` }))
    )
  }
  return Effect.fail(new ConfigError({
    path: "storage",
    message: `unsupported storage "${spec}": use memory, memory:<size>, a directory path or file:// URL, ${
      Object.keys(cloudStorageSchemes).map((name) => `${name}://`).join(", ")
    }`
  }))
}
