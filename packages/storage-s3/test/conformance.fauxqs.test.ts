import { S3Storage } from "@hoard/storage-s3"
import { storageConformance } from "@hoard/storage-testkit"
import { inject } from "vitest"
import { createBucket, randomBucketName, testCredentials } from "./support/buckets.ts"
import { s3Corruptions } from "./support/corruptions.ts"

const endpoint = inject("fauxqsEndpoint")
const bucket = randomBucketName("conformance")
await createBucket(endpoint, bucket)

// A small listing page: listing the suite's 30+ namespaces takes several ListObjectsV2 pages.
const s3Storage = S3Storage.layer({ bucket, prefix: "cache", endpoint, credentials: testCredentials, listPageSize: 10 })

storageConformance("S3 on fauxqs", s3Storage, {
  largeArtifactBytes: 12 * 1024 * 1024,
  corruptions: s3Corruptions(endpoint, bucket, "cache")
})
