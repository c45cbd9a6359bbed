import { assert, describe, it } from "@effect/vitest"
import { S3Storage } from "@hoard/storage-s3"
import { Effect, Exit, Option } from "effect"

const parse = (url: string, env: Record<string, string | undefined> = {}) => S3Storage.optionsFromUrl(url, env)

const parseError = (url: string, env: Record<string, string | undefined> = {}) =>
  Effect.map(Effect.exit(parse(url, env)), (exit) => {
    assert.isTrue(Exit.isFailure(exit), `${url} should be refused`)
    const error = Exit.isFailure(exit) ? Exit.findErrorOption(exit).pipe(Option.getOrUndefined) : undefined
    assert.strictEqual(error?._tag, "StorageError")
    return error?.message ?? ""
  })

describe("S3Storage.optionsFromUrl", () => {
  it.effect("s3://bucket uses AWS S3 with the SDK's default credential chain", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* parse("s3://my-cache"), { bucket: "my-cache" })
    }))

  it.effect("the path is the key prefix, without leading, trailing or doubled slashes", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* parse("s3://my-cache/turbo//team-a/"), { bucket: "my-cache", prefix: "turbo/team-a" })
      assert.deepStrictEqual(yield* parse("s3://my-cache/"), { bucket: "my-cache" })
    }))

  it.effect("region and endpoint come from the environment; an endpoint turns on path-style URLs", () =>
    Effect.gen(function*() {
      const options = yield* parse("s3://cache/p", {
        AWS_REGION: "eu-west-1",
        AWS_DEFAULT_REGION: "us-west-2",
        S3_ENDPOINT: "http://127.0.0.1:9000",
        AWS_ENDPOINT_URL_S3: "http://ignored:1",
        AWS_ENDPOINT_URL: "http://ignored:2"
      })
      assert.deepStrictEqual(options, { bucket: "cache", prefix: "p", region: "eu-west-1", endpoint: "http://127.0.0.1:9000" })
      assert.strictEqual((yield* parse("s3://cache", { AWS_ENDPOINT_URL_S3: "https://s3.example" })).endpoint, "https://s3.example")
      assert.strictEqual((yield* parse("s3://cache", { AWS_ENDPOINT_URL: "https://any.example" })).endpoint, "https://any.example")
      assert.strictEqual((yield* parse("s3://cache", { AWS_DEFAULT_REGION: "us-west-2" })).region, "us-west-2")
    }))

  it.effect("URL parameters win over the environment", () =>
    Effect.gen(function*() {
      const options = yield* parse(
        "s3://cache/p?endpoint=https%3A%2F%2Facc.r2.cloudflarestorage.com&region=auto&forcePathStyle=false",
        { S3_ENDPOINT: "http://127.0.0.1:9000", AWS_REGION: "eu-west-1", S3_FORCE_PATH_STYLE: "true" }
      )
      assert.deepStrictEqual(options, {
        bucket: "cache",
        prefix: "p",
        region: "auto",
        endpoint: "https://acc.r2.cloudflarestorage.com",
        forcePathStyle: false
      })
    }))

  it.effect("credentials and checksum modes come from the given env, not from process.env", () =>
    Effect.gen(function*() {
      const options = yield* parse("s3://cache", {
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_SESSION_TOKEN: "token",
        AWS_REQUEST_CHECKSUM_CALCULATION: "when_required",
        AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED"
      })
      assert.deepStrictEqual(options, {
        bucket: "cache",
        credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" },
        clientConfig: { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }
      })
      // A key id without its secret is left to the SDK's chain, which reports what is missing.
      assert.isUndefined((yield* parse("s3://cache", { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" })).credentials)
    }))

  it.effect("malformed URLs and settings are refused with a message saying what to write", () =>
    Effect.gen(function*() {
      assert.match(yield* parseError("gs://cache"), /is not an S3 URL: expected s3:\/\/<bucket>\[\/<prefix>\]/u)
      assert.match(yield* parseError("s3://"), /names no bucket|is not a URL/u)
      assert.match(yield* parseError("not a url"), /is not a URL/u)
      assert.match(yield* parseError("s3://key:secret@cache"), /do not put credentials in the storage URL/u)
      assert.match(yield* parseError("s3://cache?endpiont=x"), /unknown parameter "endpiont"/u)
      assert.match(yield* parseError("s3://cache/bad%E0%A4%A"), /is not valid percent-encoding/u)
      assert.match(yield* parseError("s3://cache", { S3_ENDPOINT: "127.0.0.1:9000" }), /must be an http:\/\/ or https:\/\/ URL/u)
      assert.match(yield* parseError("s3://cache?forcePathStyle=maybe"), /forcePathStyle must be true or false/u)
      assert.match(
        yield* parseError("s3://cache", { AWS_REQUEST_CHECKSUM_CALCULATION: "NEVER" }),
        /AWS_REQUEST_CHECKSUM_CALCULATION must be WHEN_SUPPORTED or WHEN_REQUIRED/u
      )
    }))
})
