import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client
} from "@aws-sdk/client-s3"
import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3"
import { ArtifactStorage, makeCorruptObjects, StorageError } from "@hoard/core"
import type { ArtifactInfo, ArtifactKey, ArtifactStorageShape, ListedArtifact } from "@hoard/core"
import { Clock, Effect, Layer, Option, Result, Stream } from "effect"
import type { Scope } from "effect"
import { makeBodySource } from "./BodySource.ts"
import { describeS3Error, errorCodeOf, httpStatusOf, isNotFound, storageError } from "./errors.ts"
import type { ErrorContext } from "./errors.ts"
import { decodeInfo, encodeInfo } from "./metadataCodec.ts"
import { makeObjectKeys } from "./objectKeys.ts"
import { readPinnedBody } from "./readPinnedBody.ts"
import { normalizePrefix, resolveOptions } from "./S3StorageOptions.ts"
import type { ResolvedOptions, S3StorageOptions } from "./S3StorageOptions.ts"
import { upload } from "./upload.ts"

export { optionsFromUrl } from "./optionsFromUrl.ts"
export type { S3StorageOptions } from "./S3StorageOptions.ts"

/** An `ArtifactStorage` on S3, with what it has found there. */
export interface S3StorageShape extends ArtifactStorageShape {
  /**
   * How many corrupt objects (no or unreadable Hoard metadata, or a length
   * other than recorded) it has found since it was made; each is a miss.
   */
  readonly corruptEntries: Effect.Effect<number>
}

/** An object as HeadObject found it: what the artifact is, and the ETag pinning this version. */
interface Found {
  readonly info: ArtifactInfo
  readonly etag: string | undefined
}

/**
 * An `ArtifactStorage` on an S3 bucket, after a readiness check (HeadBucket)
 * that fails with a StorageError naming the problem. The client is destroyed
 * when the scope closes.
 */
export const make = (options: S3StorageOptions): Effect.Effect<S3StorageShape, StorageError, Scope.Scope> =>
  Effect.gen(function*() {
    const resolved = resolveOptions(options)
    if (typeof resolved === "string") {
      return yield* new StorageError({ operation: "check", message: `invalid S3 storage options: ${resolved}` })
    }
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new S3Client(resolved.clientConfig)),
      (client) => Effect.sync(() => client.destroy())
    )
    const storage = makeWithClient(client, resolved)
    yield* storage.check
    return storage
  })

/** The S3 storage as a layer; building it runs the readiness check. */
export const layer = (options: S3StorageOptions): Layer.Layer<ArtifactStorage, StorageError> =>
  Layer.effect(ArtifactStorage, make(options))

/** `s3://bucket/prefix (endpoint …)`, for a startup banner. */
export const describe = (options: S3StorageOptions): string => {
  const prefix = normalizePrefix(options.prefix ?? "")
  const where = [
    options.endpoint === undefined ? undefined : `endpoint ${options.endpoint}`,
    options.region === undefined ? undefined : `region ${options.region}`
  ].filter(Boolean)
  return `s3://${options.bucket}${prefix === "" ? "" : `/${prefix}`}${where.length === 0 ? "" : ` (${where.join(", ")})`}`
}

const makeWithClient = (client: S3Client, options: ResolvedOptions): S3StorageShape => {
  const { bucket } = options
  const corrupt = makeCorruptObjects("storage-s3")
  const keys = makeObjectKeys(options.prefix)
  const context: ErrorContext = { bucket, endpointLabel: options.endpointLabel }
  const where = (objectKey: string) => `s3://${bucket}/${objectKey}`

  /** HeadObject of `objectKey`; undefined when there is no such object. */
  const headOutput = (operation: StorageError["operation"], objectKey: string) =>
    Effect.tryPromise({
      try: (signal): Promise<HeadObjectCommandOutput | undefined> =>
        client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }), { abortSignal: signal }).catch(
          (error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error))
        ),
      catch: (error) => storageError(operation, `cannot look up ${where(objectKey)}`, error, context)
    })

  /** The artifact at `key`; none when there is no object, or when it holds no valid artifact (a corrupt one). */
  const headObject = (
    operation: StorageError["operation"],
    key: ArtifactKey
  ): Effect.Effect<Option.Option<Found>, StorageError> => {
    const objectKey = keys.of(key)
    return Effect.flatMap(headOutput(operation, objectKey), (output) => {
      if (output === undefined) return Effect.succeed(Option.none<Found>())
      return Result.match(decodeInfo(output.Metadata, output.ContentLength), {
        onFailure: (problem) => Effect.as(corrupt.report(key, where(objectKey), output.ETag, problem), Option.none<Found>()),
        onSuccess: (info) => Effect.succeed(Option.some<Found>({ info, etag: output.ETag }))
      })
    })
  }

  const put: ArtifactStorageShape["put"] = Effect.fnUntraced(function*(key, body, { metadata, size }) {
    const objectKey = keys.of(key)
    const createdAt = yield* Clock.currentTimeMillis
    const source = yield* makeBodySource(body, size)
    const uploaded = yield* Effect.exit(upload({
      client,
      bucket,
      key: objectKey,
      metadata: encodeInfo({ size, createdAt, metadata }),
      source,
      // S3 allows 10,000 parts: larger artifacts need larger parts.
      partSize: Math.max(options.partSize, Math.ceil(size / 10_000)),
      queueSize: options.queueSize
    }))
    if (uploaded._tag === "Success") return
    // The body's own failure (or a size mismatch) explains the upload's error.
    const bodyFailure = source.failure()
    if (bodyFailure !== undefined) return yield* Effect.failCause(bodyFailure)
    return yield* Effect.failCause(uploaded.cause).pipe(
      Effect.mapError((error) => storageError("put", `cannot store ${where(objectKey)}`, error, context))
    )
  }, Effect.scoped)

  const get: ArtifactStorageShape["get"] = (key) => {
    const objectKey = keys.of(key)
    return Effect.map(headObject("get", key), Option.map(({ etag, info }) => ({
      info,
      body: readPinnedBody({
        read: (signal) =>
          client.send(
            new GetObjectCommand({ Bucket: bucket, Key: objectKey, ...(etag !== undefined && { IfMatch: etag }) }),
            { abortSignal: signal }
          ),
        size: info.size,
        fail: (message, cause) =>
          new StorageError({ operation: "get", message: `cannot read ${where(objectKey)}: ${message}`, cause }),
        describe: (error) => describeS3Error(error, context)
      })
    })))
  }

  const head: ArtifactStorageShape["head"] = (key) =>
    Effect.map(headObject("head", key), Option.map((found) => found.info))

  const remove: ArtifactStorageShape["delete"] = (key) => {
    const objectKey = keys.of(key)
    // S3 answers 204 whether or not the key existed: ask first. Asked to,
    // it deletes a corrupt object too.
    return Effect.flatMap(headOutput("delete", objectKey), (found) =>
      found === undefined
        ? Effect.succeed(false)
        : Effect.tryPromise({
          try: (signal) =>
            client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey }), { abortSignal: signal }),
          catch: (error) => storageError("delete", `cannot delete ${where(objectKey)}`, error, context)
        }).pipe(Effect.as(true)))
  }

  const listPage = (prefix: string, token: string | undefined) =>
    Effect.tryPromise({
      try: (signal) =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: options.listPageSize,
            ...(token !== undefined && { ContinuationToken: token })
          }),
          { abortSignal: signal }
        ),
      catch: (error) => storageError("list", `cannot list s3://${bucket}/${prefix}`, error, context)
    })

  const list: ArtifactStorageShape["list"] = ({ hashPrefix, namespace }) => {
    const prefix = keys.listPrefix(namespace, hashPrefix)
    return Stream.paginate(undefined as string | undefined, (token) =>
      Effect.map(listPage(prefix, token), (page) =>
        [
          (page.Contents ?? []).flatMap((object) => {
            const hash = object.Key === undefined ? undefined : keys.hashOf(namespace, object.Key)
            return hash === undefined ? [] : [{ namespace, hash }]
          }),
          page.IsTruncated === true && page.NextContinuationToken !== undefined
            ? Option.some(page.NextContinuationToken)
            : Option.none()
        ] as const)).pipe(
        // S3 lists keys without user metadata: each artifact's info needs a HeadObject.
        Stream.mapEffect(
          (artifactKey: ArtifactKey) =>
            Effect.map(
              headObject("list", artifactKey),
              Option.map((found): ListedArtifact => ({ key: artifactKey, info: found.info }))
            ),
          { concurrency: options.listConcurrency }
        ),
        // Deleted between the listing and the HeadObject, or corrupt.
        Stream.filter(Option.isSome),
        Stream.map((found) => found.value)
      )
  }

  const namespacePage = (token: string | undefined) =>
    Effect.tryPromise({
      try: (signal) =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: keys.root,
            Delimiter: "/",
            MaxKeys: options.listPageSize,
            ...(token !== undefined && { ContinuationToken: token })
          }),
          { abortSignal: signal }
        ),
      catch: (error) => storageError("namespaces", `cannot list the namespaces in s3://${bucket}/${keys.root}`, error, context)
    })

  // Every `<prefix>/<namespace>/` is a common prefix of the listing of `<prefix>/`
  // by "/": one per namespace holding an object, without listing its objects.
  const namespaces: ArtifactStorageShape["namespaces"] = Stream.paginate(undefined as string | undefined, (token) =>
    Effect.map(namespacePage(token), (page) =>
      [
        (page.CommonPrefixes ?? []).flatMap(({ Prefix }) => {
          const namespace = Prefix === undefined ? undefined : keys.namespaceOf(Prefix)
          return namespace === undefined ? [] : [namespace]
        }),
        page.IsTruncated === true && page.NextContinuationToken !== undefined
          ? Option.some(page.NextContinuationToken)
          : Option.none()
      ] as const))

  const check: ArtifactStorageShape["check"] = Effect.tryPromise({
    try: (signal) => client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal }),
    catch: (error) => {
      // HeadBucket has no body: a missing bucket is a bare 404.
      const message = httpStatusOf(error) === 404 || errorCodeOf(error) === "NoSuchBucket"
        ? `the bucket "${bucket}" does not exist at ${options.endpointLabel}`
        : describeS3Error(error, context)
      return new StorageError({ operation: "check", message: `S3 storage is not ready: ${message}`, cause: error })
    }
  }).pipe(Effect.asVoid)

  return { backend: "s3", put, get, head, delete: remove, list, namespaces, check, corruptEntries: corrupt.count }
}
