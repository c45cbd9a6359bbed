import { assert, describe, it } from "@effect/vitest"
import { AzureStorage } from "@hoard/storage-azure"
import { Effect, Layer } from "effect"
import { failureOf, sdkContainer, sharedConnectionString, uniqueContainer } from "./fixtures.ts"

const connectionString = sharedConnectionString()
const endpoint = /BlobEndpoint=([^;]+)/u.exec(connectionString)?.[1] ?? ""
const accountName = "devstoreaccount1"

/** Builds the layer and returns its StorageError. */
const layerFailure = (options: AzureStorage.AzureStorageOptions) =>
  Layer.build(AzureStorage.layer(options)).pipe(Effect.scoped, Effect.exit, Effect.map(failureOf))

describe("AzureStorage.layer startup", () => {
  it.live("fails with a clear StorageError when the container does not exist", () =>
    Effect.gen(function*() {
      const container = uniqueContainer("missing")
      const error = yield* layerFailure({ container, credentials: { connectionString } })
      assert.strictEqual(error._tag, "StorageError")
      assert.strictEqual(error.operation, "check")
      assert.include(error.message, "Azure Blob storage is not ready")
      assert.include(error.message, `container "${container}" does not exist`)
      assert.isDefined(error.cause, "the SDK error is kept as the cause")
    }))

  it.live("fails with a clear StorageError when the account key is wrong", () =>
    Effect.gen(function*() {
      const error = yield* layerFailure({
        container: uniqueContainer("any"),
        credentials: { accountName, accountKey: Buffer.from("not the key").toString("base64") },
        endpoint
      })
      assert.strictEqual(error._tag, "StorageError")
      assert.include(error.message, "Azure refused the credentials (403")
    }))

  it.live("fails within seconds, naming the cause, when nothing listens at the endpoint", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const error = yield* layerFailure({
        container: "unreachable",
        credentials: { connectionString: connectionString.replace(/127\.0\.0\.1:\d+/u, "127.0.0.1:1") }
      })
      assert.include(error.message, "cannot reach Azure Blob Storage (ECONNREFUSED)")
      assert.isBelow(Date.now() - started, 5_000)
    }))

  it.live("creates a missing container with createContainer, and accepts an existing one", () =>
    Effect.gen(function*() {
      const container = uniqueContainer("created")
      const options = { container, credentials: { accountName, accountKey: keyOf(connectionString) }, endpoint, createContainer: true }
      yield* Layer.build(AzureStorage.layer(options)).pipe(Effect.scoped)
      assert.isTrue(yield* Effect.promise(() => sdkContainer(connectionString, container).exists()))
      yield* Layer.build(AzureStorage.layer(options)).pipe(Effect.scoped)
    }))

  it.live("rejects invalid options before contacting Azure", () =>
    Effect.gen(function*() {
      const base = { container: "conformance", credentials: { connectionString } }
      const cases: Array<[AzureStorage.AzureStorageOptions, string]> = [
        [{ ...base, blockSize: 0 }, "blockSize must be an integer"],
        [{ ...base, maxConcurrency: 1.5 }, "maxConcurrency must be an integer"],
        [{ ...base, timeoutMs: -1 }, "timeoutMs must be an integer"],
        [{ ...base, listPageSize: 5001 }, "listPageSize must be an integer from 1 to 5000"],
        [{ ...base, prefix: "a//b" }, "invalid key prefix"],
        [{ ...base, prefix: "a/../b" }, "invalid key prefix"],
        [{ ...base, endpoint }, "endpoint cannot be combined with a connection string"],
        [{ ...base, credentials: { connectionString: "nonsense" } }, "invalid Azure storage configuration"]
      ]
      for (const [options, expected] of cases) {
        const error = yield* layerFailure(options)
        assert.include(error.message, expected)
      }
    }))
})

const keyOf = (connection: string): string => /AccountKey=([^;]+)/u.exec(connection)?.[1] ?? ""
