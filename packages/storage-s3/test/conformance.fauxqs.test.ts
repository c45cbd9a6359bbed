import { S3Storage } from "@hoard/storage-s3"
import { activityLogConformance, storageConformance } from "@hoard/storage-testkit"
import { inject } from "vitest"
import { createBucket, randomBucketName, testCredentials } from "./support/buckets.ts"

const endpoint = inject("fauxqsEndpoint")
const bucket = randomBucketName("conformance")
await createBucket(endpoint, bucket)

const s3Storage = S3Storage.layer({ bucket, prefix: "cache", endpoint, credentials: testCredentials })

storageConformance("S3 on fauxqs", s3Storage, { largeArtifactBytes: 12 * 1024 * 1024 })

activityLogConformance("S3 on fauxqs", s3Storage)
