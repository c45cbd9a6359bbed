import { randomBytes } from "node:crypto"
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import type { S3ClientConfig } from "@aws-sdk/client-s3"

/** Any keys work on fauxqs; radosgw has a test user with these. */
export const testCredentials = { accessKeyId: "TESTKEY", secretAccessKey: "TESTSECRET" }

/** A fresh bucket name, so that test files never share one. */
export const randomBucketName = (label: string): string => `hoard-${label}-${randomBytes(4).toString("hex")}`

/** A plain SDK client for the tests' own checks (listing raw keys, creating buckets). */
export const rawClient = (endpoint: string, config: S3ClientConfig = {}): S3Client =>
  new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: testCredentials,
    maxAttempts: 1,
    ...config
  })

export const createBucket = async (endpoint: string, bucket: string, config: S3ClientConfig = {}): Promise<void> => {
  const client = rawClient(endpoint, config)
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }))
  } finally {
    client.destroy()
  }
}
