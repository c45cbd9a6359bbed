import type { ContainerClient } from "@azure/storage-blob"
import { ArtifactStorage, makeCorruptObjects, StorageError } from "@hoard/core"
import type { ArtifactKey, ArtifactStorageShape, ListedArtifact } from "@hoard/core"
import { Clock, Effect, Layer, Option, Result, Stream } from "effect"
import { fromBlobMetadata } from "./blobMetadata.ts"
import { blobName, keyOfBlobName, namespaceFolder, namespaceOfFolder, normalizePrefix } from "./blobNames.ts"
import {
  defaultBlockSize,
  defaultListPageSize,
  defaultMaxConcurrency,
  defaultTimeoutMs,
  maxListPageSize
} from "./AzureStorageOptions.ts"
import type { AzureStorageOptions, ResolvedOptions } from "./AzureStorageOptions.ts"
import { makeContainerClient } from "./containerClient.ts"
import { downloadBody } from "./download.ts"
import { isBlobNotFound } from "./errors.ts"
import { sdkCall } from "./sdkCall.ts"
import { uploadArtifact } from "./upload.ts"

export type { AzureCredentials, AzureStorageOptions } from "./AzureStorageOptions.ts"
export {
  defaultBlockSize,
  defaultListPageSize,
  defaultMaxConcurrency,
  defaultRetryOptions,
  defaultTimeoutMs
} from "./AzureStorageOptions.ts"
export { describe } from "./describe.ts"
export { optionsFromUrl } from "./optionsFromUrl.ts"

/** An Azure `ArtifactStorage`, with what it has found there. */
export interface AzureStorageShape extends ArtifactStorageShape {
  /**
   * How many corrupt blobs (no or undecodable Hoard metadata, or a length
   * other than recorded) it has found since it was made; each is a miss.
   */
  readonly corruptEntries: Effect.Effect<number>
}

/** Azure's largest block (4000 MiB). */
const maxBlockSize = 4000 * 1024 * 1024

const configError = (message: string, cause?: unknown): StorageError =>
  new StorageError({ operation: "check", message: `invalid Azure storage configuration: ${message}`, cause })

const positiveInteger = (name: string, value: number, max = Number.MAX_SAFE_INTEGER) =>
  Number.isSafeInteger(value) && value > 0 && value <= max
    ? Effect.succeed(value)
    : Effect.fail(configError(`${name} must be an integer from 1 to ${max}, got ${value}`))

const resolveOptions = (options: AzureStorageOptions): Effect.Effect<ResolvedOptions, StorageError> =>
  Effect.gen(function*() {
    const prefix = yield* Effect.try({
      try: () => normalizePrefix(options.prefix),
      catch: (error) => configError((error as Error).message, error)
    })
    return {
      container: options.container,
      prefix,
      timeoutMs: yield* positiveInteger("timeoutMs", options.timeoutMs ?? defaultTimeoutMs),
      blockSize: yield* positiveInteger("blockSize", options.blockSize ?? defaultBlockSize, maxBlockSize),
      maxConcurrency: yield* positiveInteger("maxConcurrency", options.maxConcurrency ?? defaultMaxConcurrency),
      listPageSize: yield* positiveInteger("listPageSize", options.listPageSize ?? defaultListPageSize, maxListPageSize),
      createContainer: options.createContainer ?? false
    }
  })

/** The storage operations over one container client. */
const makeShape = (client: ContainerClient, options: ResolvedOptions): AzureStorageShape => {
  const { container, listPageSize, prefix } = options
  const where = (key: ArtifactKey): string => `azure://${container}/${blobName(prefix, key)}`
  const corrupt = makeCorruptObjects("storage-azure")

  /** The info stored with a blob; none (reported once) when the blob holds no valid artifact. */
  const infoOf = (
    key: ArtifactKey,
    metadata: Readonly<Record<string, string>> | undefined,
    contentLength: number | undefined,
    etag: string | undefined
  ) =>
    Result.match(fromBlobMetadata(metadata, contentLength), {
      onSuccess: Effect.succeedSome,
      // Listings give the ETag without the quotes that blob properties have: one version, one report.
      onFailure: (reason) => Effect.as(corrupt.report(key, where(key), etag?.replaceAll("\"", ""), reason), Option.none())
    })

  /** The info and ETag of the current version; none when there is no such blob, or it is corrupt. */
  const properties = Effect.fnUntraced(function*(key: ArtifactKey, operation: "get" | "head") {
    const what = `${operation} ${where(key)}`
    const found = yield* sdkCall(options, operation, what, (abortSignal) =>
      client.getBlobClient(blobName(prefix, key)).getProperties({ abortSignal }).then(
        Option.some,
        (error: unknown) => isBlobNotFound(error) ? Option.none() : Promise.reject(error)
      ))
    if (Option.isNone(found)) return Option.none()
    const { contentLength, etag, metadata } = found.value
    return Option.map(yield* infoOf(key, metadata, contentLength, etag), (info) => ({ info, etag }))
  })

  const listPage = (folder: string, hashPrefix: string, continuationToken: string | undefined) =>
    sdkCall(options, "list", `list azure://${container}/${folder}${hashPrefix}*`, (abortSignal) =>
      client.listBlobsFlat({ prefix: folder + hashPrefix, includeMetadata: true, abortSignal })
        .byPage({ maxPageSize: listPageSize, ...(continuationToken === undefined ? {} : { continuationToken }) })
        .next())

  const namespacePage = (continuationToken: string | undefined) =>
    sdkCall(options, "namespaces", `list the namespaces in azure://${container}/${prefix}`, (abortSignal) =>
      client.listBlobsByHierarchy("/", { ...(prefix === "" ? {} : { prefix }), abortSignal })
        .byPage({ maxPageSize: listPageSize, ...(continuationToken === undefined ? {} : { continuationToken }) })
        .next())

  return {
    backend: "azure",
    put: Effect.fnUntraced(function*(key, body, { metadata, size }) {
      const createdAt = yield* Clock.currentTimeMillis
      yield* uploadArtifact(options, client.getBlockBlobClient(blobName(prefix, key)), where(key), body, {
        size,
        createdAt,
        metadata
      })
    }),

    get: (key) =>
      properties(key, "get").pipe(
        Effect.map(Option.map(({ etag, info }) => ({
          info,
          body: downloadBody(options, client.getBlobClient(blobName(prefix, key)), where(key), etag, info.size)
        })))
      ),

    head: (key) => properties(key, "head").pipe(Effect.map(Option.map(({ info }) => info))),

    delete: (key) =>
      sdkCall(options, "delete", `delete ${where(key)}`, (abortSignal) =>
        client.getBlobClient(blobName(prefix, key)).deleteIfExists({ abortSignal, deleteSnapshots: "include" }))
        .pipe(Effect.map((response) => response.succeeded)),

    list: ({ hashPrefix = "", namespace }) => {
      const folder = namespaceFolder(prefix, namespace)
      return Stream.paginate(undefined as string | undefined, (token) =>
        listPage(folder, hashPrefix, token).pipe(Effect.flatMap((result) => {
          const page = result.done === true ? undefined : result.value
          const next = page?.continuationToken
          return Effect.map(
            Effect.forEach(page?.segment.blobItems ?? [], (item) => {
              const key = keyOfBlobName(prefix, namespace, item.name)
              if (key === undefined) return Effect.succeed<Array<ListedArtifact>>([])
              return Effect.map(
                infoOf(key, item.metadata, item.properties.contentLength, item.properties.etag),
                (info): Array<ListedArtifact> => (Option.isSome(info) ? [{ key, info: info.value }] : [])
              )
            }),
            (entries) => [entries.flat(), next === undefined || next === "" ? Option.none() : Option.some(next)] as const
          )
        })))
    },

    // Every `<prefix><namespace>/` is a virtual directory of the listing of
    // `<prefix>` by "/": one per namespace holding a blob, without listing its blobs.
    namespaces: Stream.paginate(undefined as string | undefined, (token) =>
      namespacePage(token).pipe(Effect.map((result) => {
        const page = result.done === true ? undefined : result.value
        const namespaces = (page?.segment.blobPrefixes ?? []).flatMap((folder) => {
          const namespace = namespaceOfFolder(prefix, folder.name)
          return namespace === undefined ? [] : [namespace]
        })
        const next = page?.continuationToken
        return [namespaces, next === undefined || next === "" ? Option.none() : Option.some(next)] as const
      }))),

    check: sdkCall(options, "check", `check of container "${container}" at ${client.url}`, (abortSignal) =>
      client.getProperties({ abortSignal })).pipe(Effect.asVoid),

    corruptEntries: corrupt.count
  }
}

/**
 * An `ArtifactStorage` on an Azure Blob Storage container. Creates the
 * container first when `createContainer` is set, then runs the readiness
 * check: a wrong container, endpoint or credentials fail here, at startup.
 */
export const make = (options: AzureStorageOptions): Effect.Effect<AzureStorageShape, StorageError> =>
  Effect.gen(function*() {
    const resolved = yield* resolveOptions(options)
    const client = yield* Effect.try({
      try: () => makeContainerClient(options),
      catch: (error) => configError(error instanceof Error ? error.message : String(error), error)
    })
    const storage = makeShape(client, resolved)
    const createContainer = sdkCall(
      resolved,
      "check",
      `creating container "${resolved.container}" at ${client.url}`,
      (abortSignal) => client.createIfNotExists({ abortSignal })
    )
    const ensureContainer: Effect.Effect<void, StorageError> = resolved.createContainer ? Effect.asVoid(createContainer) : Effect.void
    yield* ensureContainer.pipe(
      Effect.andThen(storage.check),
      Effect.mapError((error) =>
        new StorageError({
          operation: "check",
          message: `Azure Blob storage is not ready: ${error.message}`,
          ...(error.cause === undefined ? {} : { cause: error.cause })
        })
      )
    )
    return storage
  })

/** `make` as a layer: building it fails with a `StorageError` when the container is not usable. */
export const layer = (options: AzureStorageOptions): Layer.Layer<ArtifactStorage, StorageError> =>
  Layer.effect(ArtifactStorage, make(options))
