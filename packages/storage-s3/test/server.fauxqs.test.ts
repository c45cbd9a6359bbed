import { randomBytes } from "node:crypto"
import { S3Storage } from "@hoard/storage-s3"
import { startHoardServer } from "@hoard/transport-node-http"
import { expectCliServesStorage, replicaSuite, runHoardCli } from "@hoard/transport-testkit"
import { describe, expect, inject, it } from "vitest"
import { createBucket, randomBucketName, testCredentials } from "./support/buckets.ts"

const endpoint = inject("fauxqsEndpoint")
const bucket = randomBucketName("server")
await createBucket(endpoint, bucket)
const cli = new URL("../../cli/src/bin.ts", import.meta.url)
/** Each test starts the CLI, which takes seconds on a loaded machine. */
const cliTimeout = 60_000
const cliEnv = { AWS_ACCESS_KEY_ID: testCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey, AWS_REGION: "us-east-1" }

replicaSuite("S3 on fauxqs", async (options) => {
  const server = await startHoardServer({ ...options, port: 0 })
  return { url: server.url, close: server.close }
}, () => S3Storage.layer({ bucket, prefix: "replicas", endpoint, credentials: testCredentials }))

describe("hoard serve --storage s3://", () => {
  it("serves uploads and downloads from the bucket", () => expectCliServesStorage(cli, `s3://${bucket}/cli?endpoint=${encodeURIComponent(endpoint)}`, cliEnv), cliTimeout)

  it("refuses to start on a bucket that does not exist, saying why", async () => {
    const run = runHoardCli(cli, ["--port", "0", "--token", "t", "--storage", `s3://no-such-bucket-${randomBytes(3).toString("hex")}?endpoint=${encodeURIComponent(endpoint)}`], cliEnv)
    const { code, output } = await run.exited
    expect(code).toBe(1)
    expect(output).toMatch(/no-such-bucket/)
  }, cliTimeout)
})
