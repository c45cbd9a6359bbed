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

/** What a `--storage` value names, before any layer is built: memory, a directory, a cloud URL, or nothing known. */
export type StorageKind =
  | { readonly kind: "memory"; readonly sizeInput: string }
  | { readonly kind: "fs"; readonly directory: string }
  | { readonly kind: "cloud"; readonly scheme: string }
  | { readonly kind: "unsupported" }
  | { readonly kind: "invalid"; readonly reason: string }

/** Classifies a `--storage` value: `memory[:<size>]`, a directory path or `file://` URL, or `<scheme>://`. */
export const storageKind = (spec: string): StorageKind => {
  if (spec === "memory" || spec.startsWith("memory:")) return { kind: "memory", sizeInput: spec.slice("memory:".length) }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//iu.exec(spec)?.[1]?.toLowerCase()
  if (scheme === "file") {
    try {
      return { kind: "fs", directory: fileURLToPath(spec) }
    } catch (error) {
      return { kind: "invalid", reason: (error as Error).message }
    }
  }
  if (scheme === undefined) return { kind: "fs", directory: isAbsolute(spec) ? spec : resolve(spec) }
  return cloudStorageSchemes[scheme] === undefined ? { kind: "unsupported" } : { kind: "cloud", scheme }
}

/** What applies to one kind of storage only. */
export interface StorageSettings {
  /** Directory storage: fsync each upload before it counts as stored (`--fsync`); unset, FsStorage's default (off). */
  readonly fsync?: boolean | undefined
}

/**
 * Turns the `--storage` value into a storage layer: `memory` or
 * `memory:<size>`, a directory path or `file://` URL, or a cloud URL.
 */
export const storageFromSpec = (
  spec: string,
  env: Record<string, string | undefined> = process.env,
  settings: StorageSettings = {}
): Effect.Effect<StorageChoice, ConfigError> => {
  const classified = storageKind(spec)
  switch (classified.kind) {
    case "memory": {
      const { sizeInput } = classified
      const maxBytes = sizeInput === "" ? undefined : parseByteSize(sizeInput)
      if (sizeInput !== "" && maxBytes === undefined) {
        return Effect.fail(new ConfigError({ path: "storage", message: `invalid memory budget "${sizeInput}" in --storage ${spec}: e.g. memory:512MiB` }))
      }
      return Effect.succeed({
        layer: MemoryStorage.layer(maxBytes === undefined ? {} : { maxBytes }),
        description: `memory${sizeInput === "" ? "" : ` (budget ${sizeInput})`}`
      })
    }
    case "fs":
      return Effect.succeed({
        layer: FsStorage.layer({ directory: classified.directory, ...(settings.fsync !== undefined && { fsync: settings.fsync }) }),
        description: `fs ${classified.directory}${settings.fsync === true ? " (fsync)" : ""}`
      })
    case "cloud":
      return Effect.promise(cloudStorageSchemes[classified.scheme]!).pipe(
        Effect.flatMap((fromUrl) => fromUrl(spec, env)),
        Effect.mapError((error) => new ConfigError({ path: "storage", message: `invalid storage URL ${spec}: ${error.message}` }))
      )
    case "invalid":
      return Effect.fail(new ConfigError({ path: "storage", message: `invalid storage URL ${spec}: ${classified.reason}` }))
    case "unsupported":
      return Effect.fail(new ConfigError({
        path: "storage",
        message: `unsupported storage "${spec}": use memory, memory:<size>, a directory path or file:// URL, ${
          Object.keys(cloudStorageSchemes).map((name) => `${name}://`).join(", ")
        }`
      }))
  }
}
