import type { S3Client } from "@aws-sdk/client-s3"
import { Upload } from "@aws-sdk/lib-storage"
import { Effect } from "effect"
import type { BodySource } from "./BodySource.ts"

export interface UploadRequest<E> {
  readonly client: S3Client
  readonly bucket: string
  readonly key: string
  readonly metadata: Record<string, string>
  readonly source: BodySource<E>
  readonly partSize: number
  readonly queueSize: number
}

/**
 * Uploads the body with lib-storage: one PutObject when it fits in a part,
 * otherwise a multipart upload, with the metadata in the same write. Fails
 * with lib-storage's error (which then has already aborted the multipart upload).
 *
 * On interruption the body is failed and the effect waits for lib-storage to
 * settle, so that the AbortMultipartUpload has been sent before it returns.
 * (`Upload.abort()` would return at once and leave the cleanup running.)
 */
export const upload = <E>(request: UploadRequest<E>): Effect.Effect<void, unknown> =>
  Effect.callback<void, unknown>((resume) => {
    const done = new Upload({
      client: request.client,
      params: {
        Bucket: request.bucket,
        Key: request.key,
        Body: request.source.readable,
        Metadata: request.metadata,
        ContentType: "application/octet-stream"
      },
      partSize: request.partSize,
      queueSize: request.queueSize,
      leavePartsOnError: false
    }).done()
    done.then(() => resume(Effect.void), (error: unknown) => resume(Effect.fail(error)))
    return Effect.promise(() => {
      request.source.abort()
      return done.then(() => undefined, () => undefined)
    })
  })
