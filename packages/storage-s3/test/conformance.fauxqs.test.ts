import { S3Storage } from "@hoard/storage-s3"
import { storageConformance } from "@hoard/storage-testkit"
import { inject } from "vitest"
import { createBucket, randomBucketName, testCredentials } from "./support/buckets.ts"

const endpoint = inject("fauxqsEndpoint")
const bucket = randomBucketName("conformance")
await createBucket(endpoint, bucket)

storageConformance(
  "S3 on fauxqs",
  S3Storage.layer({ bucket, prefix: "cache", endpoint, credentials: testCredentials }),
  { largeArtifactBytes: 12 * 1024 * 1024 }
)
