import type { FileMetadata } from "@google-cloud/storage"
import { ArtifactStorage, makeCorruptObjects, StorageError } from "@hoard/core"
import type { ArtifactInfo, ArtifactKey, ArtifactStorageShape, ListedArtifact, Namespace } from "@hoard/core"
import { Clock, Effect, Layer, Option, Result, Stream } from "effect"
import type { Scope } from "effect"
import { makeClients } from "./client.ts"
import { GenerationChanged, readGeneration } from "./download.ts"
import { isObjectMissing, storageError } from "./failures.ts"
import type { FailureContext } from "./failures.ts"
import { validateOptions } from "./GcsStorageOptions.ts"
import type { GcsStorageOptions } from "./GcsStorageOptions.ts"
import { decodeInfo, encodeInfo, generationOf } from "./objectMetadata.ts"
import { makeObjectNames } from "./objectNames.ts"
import { optionsFromUrl } from "./optionsFromUrl.ts"
import { backendTimeout, closeAgents, makeAgents } from "./http.ts"
import { UploadFailed, uploadObject } from "./upload.ts"

export type { GcsRetryOptions, GcsStorageOptions } from "./GcsStorageOptions.ts"
export { optionsFromUrl } from "./optionsFromUrl.ts"

const listPageSize = 1000

/** The `prefixes` of a raw objects.list response (the "folders" of a listing with a delimiter). */
const listedPrefixes = (response: unknown): Array<string> => {
  const prefixes = typeof response === "object" && response !== null
    ? (response as { readonly prefixes?: unknown }).prefixes
    : undefined
  return Array.isArray(prefixes) ? prefixes.filter((prefix): prefix is string => typeof prefix === "string") : []
}

/** A GCS `ArtifactStorage`, with what it has found there. */
export interface GcsStorageShape extends ArtifactStorageShape {
  /**
   * How many corrupt objects (missing or malformed Hoard metadata, or a size
   * other than recorded) it has found since it was made; each is a miss.
   */
  readonly corruptEntries: Effect.Effect<number>
}

/**
 * A Google Cloud Storage `ArtifactStorage`. Runs the readiness check before it
 * returns, so that a wrong bucket, endpoint or credentials fail at startup. The
 * scope closes the upload connections.
 */
export const make = (options: GcsStorageOptions): Effect.Effect<GcsStorageShape, StorageError, Scope.Scope> =>
  Effect.gen(function*() {
    const { prefix, timeoutMs } = yield* validateOptions(options)
    const clients = yield* Effect.try({
      try: () => makeClients(options),
      catch: (error) => storageError("check", "configuring the GCS client", error, { bucket: options.bucket, endpoint: "GCS" })
    })
    const agents = yield* Effect.acquireRelease(Effect.sync(makeAgents), (agents) => Effect.sync(() => closeAgents(agents)))
    const bucket = clients.storage.bucket(options.bucket)
    const sessionBucket = clients.sessions.bucket(options.bucket)
    const names = makeObjectNames(prefix)
    const context: FailureContext = { bucket: options.bucket, endpoint: clients.endpoint }
    const urlOf = (name: string) => `gs://${options.bucket}/${name}`

    // The SDK's own `timeout` does nothing on Node (teeny-request 11 hands it to
    // node-fetch 3, which dropped that option), so every call gets a deadline here.
    const callSdk = <A>(call: () => Promise<A>): Effect.Effect<A, unknown> =>
      Effect.tryPromise({ try: call, catch: (error) => error }).pipe(backendTimeout(timeoutMs))

    const corrupt = makeCorruptObjects("storage-gcs")

    /** The artifact info stored with an object; none (reported once) when the object holds no valid artifact. */
    const infoOf = (key: ArtifactKey, name: string, object: FileMetadata): Effect.Effect<Option.Option<ArtifactInfo>> =>
      Result.match(decodeInfo(object), {
        onSuccess: (info) => Effect.succeedSome(info),
        onFailure: (reason) => Effect.as(corrupt.report(key, urlOf(name), generationOf(object), reason), Option.none())
      })

    /** The object's metadata, or none when it does not exist. */
    const objectMetadata = (operation: "get" | "head", name: string) =>
      callSdk(() => bucket.file(name).getMetadata()).pipe(
        Effect.map(([object]) => Option.some(object)),
        Effect.catch((error) =>
          isObjectMissing(error)
            ? Effect.succeed(Option.none<FileMetadata>())
            : Effect.fail(storageError(operation, `reading the metadata of ${urlOf(name)}`, error, context))
        )
      )

    const head = (key: ArtifactKey) => {
      const name = names.objectName(key)
      return objectMetadata("head", name).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeedNone,
          onSome: (object) => infoOf(key, name, object)
        }))
      )
    }

    const readBody = (name: string, object: FileMetadata, info: ArtifactInfo) => {
      const generation = generationOf(object)
      if (generation === undefined) {
        return Effect.fail(new StorageError({ operation: "get", message: `${urlOf(name)}: the backend reported no generation` }))
      }
      const url = clients.mediaUrl(options.bucket, name, generation)
      return Effect.succeed(readGeneration({
        url,
        authorize: clients.authorize(url),
        generation,
        size: info.size,
        md5Hash: object.md5Hash,
        agents,
        timeoutMs
      }, (error) =>
        // The pinned generation is gone (GCS: 404) or was not served (a backend ignoring `generation`).
        isObjectMissing(error) || error instanceof GenerationChanged
          ? new StorageError({
            operation: "get",
            message: `${urlOf(name)} was replaced or deleted while it was being read`,
            cause: error
          })
          : storageError("get", `downloading ${urlOf(name)}#${generation}`, error, context)))
    }

    /** The artifact an existing object holds, with its body; none when it holds no valid artifact. */
    const storedArtifact = Effect.fnUntraced(function*(key: ArtifactKey, name: string, object: FileMetadata) {
      const info = yield* infoOf(key, name, object)
      if (Option.isNone(info)) return Option.none()
      const body = yield* readBody(name, object, info.value)
      return Option.some({ info: info.value, body })
    })

    const get = (key: ArtifactKey) => {
      const name = names.objectName(key)
      return objectMetadata("get", name).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeedNone,
          onSome: (object) => storedArtifact(key, name, object)
        }))
      )
    }

    const put: ArtifactStorageShape["put"] = Effect.fnUntraced(function*(key, body, { metadata, size }) {
      const name = names.objectName(key)
      const createdAt = yield* Clock.currentTimeMillis
      yield* uploadObject({
        file: sessionBucket.file(name),
        body,
        size,
        customMetadata: encodeInfo({ size, createdAt, metadata }),
        agents,
        timeoutMs
      }).pipe(
        Effect.mapError((error) =>
          error instanceof UploadFailed
            ? storageError(
              "put",
              `${error.step === "start" ? "starting the upload of" : "uploading"} ${urlOf(name)}`,
              error.error,
              context
            )
            : error
        )
      )
    })

    const remove = (key: ArtifactKey) => {
      const name = names.objectName(key)
      return callSdk(() => bucket.file(name).delete()).pipe(
        Effect.as(true),
        Effect.catch((error) =>
          isObjectMissing(error)
            ? Effect.succeed(false)
            : Effect.fail(storageError("delete", `deleting ${urlOf(name)}`, error, context))
        )
      )
    }

    /** The listing entries among a page of objects: artifacts only, not stray objects or "folders". */
    const entriesOf = (namespace: Namespace, objects: ReadonlyArray<FileMetadata>) =>
      Effect.forEach(objects, (object) => {
        const name = object.name ?? ""
        const hash = names.hashOf(namespace, name)
        if (hash === undefined) return Effect.succeed([])
        const key = { namespace, hash }
        return Effect.map(
          infoOf(key, name, object),
          (info): Array<ListedArtifact> => (Option.isSome(info) ? [{ key, info: info.value }] : [])
        )
      }).pipe(Effect.map((entries) => entries.flat()))

    const list: ArtifactStorageShape["list"] = ({ hashPrefix, namespace }) => {
      const prefix = names.listPrefix(namespace, hashPrefix)
      return Stream.paginate(undefined as string | undefined, (pageToken) =>
        callSdk(() =>
          bucket.getFiles({
            prefix,
            delimiter: "/",
            autoPaginate: false,
            maxResults: listPageSize,
            ...(pageToken !== undefined && { pageToken })
          })
        ).pipe(
          Effect.mapError((error) => storageError("list", `listing ${urlOf(prefix)}*`, error, context)),
          Effect.flatMap(([files, next]) =>
            Effect.map(entriesOf(namespace, files.map((file) => file.metadata)), (entries) =>
              [entries, Option.fromUndefinedOr((next as { pageToken?: string } | null)?.pageToken)] as const)
          )
        ))
    }

    /**
     * The prefixes `<root><namespace>/` of a listing of `root` by "/": one per
     * namespace holding an object, without listing its objects. GCS returns
     * them in lexicographic order across pages, so a prefix at or before the
     * last one yielded is a repeat (the Firebase emulator returns every prefix
     * on each page of a listing whose objects span several pages) and is skipped.
     */
    const namespaces: ArtifactStorageShape["namespaces"] = Stream.paginate(
      { pageToken: undefined as string | undefined, after: "" },
      ({ after, pageToken }) =>
        callSdk(() =>
          bucket.getFiles({
            prefix: names.root,
            delimiter: "/",
            autoPaginate: false,
            maxResults: listPageSize,
            ...(pageToken !== undefined && { pageToken })
          })
        ).pipe(
          Effect.mapError((error) =>
            storageError("namespaces", `listing the namespaces in gs://${options.bucket}/${names.root}`, error, context)
          ),
          Effect.map(([, next, response]) => {
            const prefixes = listedPrefixes(response).filter((prefix) => prefix > after).sort()
            const nextToken = (next as { pageToken?: string } | null)?.pageToken
            return [
              prefixes.flatMap((prefix) => {
                const namespace = names.namespaceOf(prefix)
                return namespace === undefined ? [] : [namespace]
              }),
              nextToken === undefined
                ? Option.none()
                : Option.some({ pageToken: nextToken, after: prefixes.at(-1) ?? after })
            ] as const
          })
        )
    )

    const check = callSdk(() => bucket.getFiles({ prefix: names.root, maxResults: 1, autoPaginate: false })).pipe(
      Effect.mapError((error) =>
        storageError("check", `listing gs://${options.bucket}/${names.root} at ${clients.endpoint}`, error, context)
      ),
      Effect.asVoid
    )

    const storage: GcsStorageShape = { backend: "gcs", put, get, head, delete: remove, list, namespaces, check, corruptEntries: corrupt.count }
    yield* check
    return storage
  })

/** The GCS storage as a layer; building it fails with a StorageError when the bucket is not usable. */
export const layer = (options: GcsStorageOptions): Layer.Layer<ArtifactStorage, StorageError> =>
  Layer.effect(ArtifactStorage, make(options))

/** `layer` with the options of a CLI storage URL (`gs://bucket/prefix`) and the environment; see `optionsFromUrl`. */
export const layerFromUrl = (
  url: string,
  env: Record<string, string | undefined>
): Layer.Layer<ArtifactStorage, StorageError> => Layer.unwrap(Effect.map(optionsFromUrl(url, env), layer))
