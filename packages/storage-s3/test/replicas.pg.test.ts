import { PgIndex } from "@hoard/index-sql"
import { startPostgres } from "@hoard/index-testkit"
import { S3Storage } from "@hoard/storage-s3"
import { startHoardServer } from "@hoard/transport-node-http"
import { replicaSuite } from "@hoard/transport-testkit"
import { afterAll, inject } from "vitest"
import { createBucket, randomBucketName, testCredentials } from "./support/buckets.ts"

// Two replicas over one bucket and one PostgreSQL index, as Hoard scales past one machine.
const endpoint = inject("fauxqsEndpoint")
const bucket = randomBucketName("replicas-pg")
await createBucket(endpoint, bucket)
const postgres = await startPostgres()
afterAll(() => postgres.stop(), 60_000)

replicaSuite("S3 on fauxqs with one PostgreSQL index", async (options) => {
  const server = await startHoardServer({ ...options, port: 0 })
  return { url: server.url, close: server.close }
}, () => S3Storage.layer({ bucket, prefix: "replicas", endpoint, credentials: testCredentials }), {
  index: () => PgIndex.layer({ url: postgres.url })
})
