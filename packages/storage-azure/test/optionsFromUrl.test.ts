import { assert, describe, it } from "@effect/vitest"
import { AzureStorage } from "@hoard/storage-azure"
import { bytesOf, chunked, randomBytes, randomHash, randomNamespace, sha256 } from "@hoard/storage-testkit"
import { Effect, Option } from "effect"
import { failureOf, metadataOf, sdkContainer, sharedConnectionString, uniqueContainer } from "./fixtures.ts"

const connectionString = sharedConnectionString()
const endpoint = /BlobEndpoint=([^;]+)/u.exec(connectionString)?.[1] ?? ""
const accountKey = /AccountKey=([^;]+)/u.exec(connectionString)?.[1] ?? ""

const parse = AzureStorage.optionsFromUrl

describe("AzureStorage.describe", () => {
  it("names the container, prefix, endpoint and kind of credentials, never a secret", () => {
    assert.strictEqual(
      AzureStorage.describe({ container: "cache", prefix: "/ci/", credentials: { connectionString } }),
      `azure://cache/ci (${endpoint}, connection string)`
    )
    assert.notInclude(AzureStorage.describe({ container: "cache", credentials: { connectionString } }), accountKey)
    assert.strictEqual(
      AzureStorage.describe({ container: "cache", credentials: { accountName: "acme", accountKey: "secret" } }),
      "azure://cache (account acme, shared key)"
    )
  })
})

describe("AzureStorage.optionsFromUrl", () => {
  it.effect("reads the container and prefix; a connection string wins over account variables", () =>
    Effect.gen(function*() {
      const options = yield* parse("azure://cache/ci/turbo/", {
        AZURE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true",
        AZURE_STORAGE_ACCOUNT: "ignored",
        AZURE_STORAGE_KEY: "ignored"
      })
      assert.deepStrictEqual(options, {
        container: "cache",
        prefix: "ci/turbo",
        credentials: { connectionString: "UseDevelopmentStorage=true" },
        createContainer: false
      })
    }))

  it.effect("uses account name and key, with endpoint and createContainer from the query", () =>
    Effect.gen(function*() {
      const options = yield* parse("azure://my-cache?endpoint=http%3A%2F%2F127.0.0.1%3A10000%2Fdevstoreaccount1&createContainer=true", {
        AZURE_STORAGE_ACCOUNT: "devstoreaccount1",
        AZURE_STORAGE_KEY: "a2V5"
      })
      assert.deepStrictEqual(options, {
        container: "my-cache",
        credentials: { accountName: "devstoreaccount1", accountKey: "a2V5" },
        createContainer: true,
        endpoint: "http://127.0.0.1:10000/devstoreaccount1"
      })
    }))

  it.effect("reads the tuning parameters from the query", () =>
    Effect.gen(function*() {
      const options = yield* parse("azure://cache?timeoutMs=5000&maxTries=2&blockSize=1048576&maxConcurrency=8", {
        AZURE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true"
      })
      assert.strictEqual(options.timeoutMs, 5000)
      assert.strictEqual(options.blockSize, 1048576)
      assert.strictEqual(options.maxConcurrency, 8)
      assert.deepStrictEqual(options.pipeline, { retryOptions: { maxTries: 2 } })
    }))

  it.effect("signs in with DefaultAzureCredential when only the account name is set", () =>
    Effect.gen(function*() {
      const options = yield* parse("azure://cache", { AZURE_STORAGE_ACCOUNT: "myaccount" })
      const credentials = options.credentials
      assert.isTrue("tokenCredential" in credentials)
      if ("tokenCredential" in credentials) {
        assert.strictEqual(credentials.accountName, "myaccount")
        assert.strictEqual(credentials.tokenCredential.constructor.name, "DefaultAzureCredential")
        assert.strictEqual(typeof credentials.tokenCredential.getToken, "function")
      }
    }))

  it.effect("rejects malformed URLs and missing credentials with a message saying what to fix", () =>
    Effect.gen(function*() {
      const env = { AZURE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" }
      const cases: Array<[string, Record<string, string | undefined>, string]> = [
        ["s3://bucket", env, "expected azure://<container>"],
        ["not a url", env, "expected azure://<container>"],
        ["azure://Upper", env, "not a valid container name"],
        ["azure://ab", env, "not a valid container name"],
        ["azure://a--b", env, "not a valid container name"],
        ["azure://user:secret@cache", env, "credentials come from the environment"],
        ["azure://cache:10000", env, "a port"],
        ["azure://cache?region=x", env, "unknown parameter \"region\""],
        ["azure://cache?createContainer=yes", env, "createContainer must be true or false"],
        ["azure://cache?endpoint=nope", env, "is not a URL"],
        ["azure://cache?timeoutMs=0", env, "timeoutMs must be a positive integer"],
        ["azure://cache?maxTries=1.5", env, "maxTries must be a positive integer"],
        ["azure://cache/%E0%A4%A", env, "not valid percent-encoding"],
        ["azure://cache", {}, "no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING"],
        ["azure://cache", { AZURE_STORAGE_KEY: "a2V5" }, "no Azure credentials"]
      ]
      for (const [url, environment, expected] of cases) {
        const error = failureOf(yield* Effect.exit(parse(url, environment)))
        assert.strictEqual(error._tag, "StorageError")
        assert.include(error.message, `invalid Azure storage URL "${url}"`)
        assert.include(error.message, expected, url)
      }
    }))

  it.live("gives options that work against Azurite, with a connection string or an account key and endpoint", () =>
    Effect.gen(function*() {
      const container = uniqueContainer("from-url")
      const fromConnectionString = yield* parse(`azure://${container}/via/url?createContainer=true`, {
        AZURE_STORAGE_CONNECTION_STRING: connectionString
      })
      const viaConnectionString = yield* AzureStorage.make(fromConnectionString)
      const key = { namespace: randomNamespace(), hash: randomHash() }
      const bytes = randomBytes(5000)
      yield* viaConnectionString.put(key, chunked(bytes), { size: bytes.byteLength, metadata: metadataOf("url") })
      const names: Array<string> = []
      yield* Effect.promise(async () => {
        for await (const blob of sdkContainer(connectionString, container).listBlobsFlat()) names.push(blob.name)
      })
      assert.deepStrictEqual(names, [`via/url/${key.namespace}/${key.hash}`])

      const fromAccountKey = yield* parse(`azure://${container}/via/url?endpoint=${encodeURIComponent(endpoint)}`, {
        AZURE_STORAGE_ACCOUNT: "devstoreaccount1",
        AZURE_STORAGE_KEY: accountKey
      })
      const viaAccountKey = yield* AzureStorage.make(fromAccountKey)
      const artifact = Option.getOrThrow(yield* viaAccountKey.get(key))
      assert.strictEqual(sha256(yield* bytesOf(artifact.body)), sha256(bytes))
    }))
})
