import { assert, describe, it } from "@effect/vitest"
import { ApiError } from "@google-cloud/storage"
import { isObjectMissing, storageError } from "../src/failures.ts"

// The JSON API's error answers, as the SDK turns them into errors. The emulator
// cannot produce these (it has no credentials, permissions or bucket lookups).
const apiError = (code: number, message: string) =>
  new ApiError({ code, message, errors: [{ reason: "x", message }], response: undefined as never })
const context = { bucket: "hoard-cache", endpoint: "https://storage.googleapis.com" }

describe("GCS failure classification", () => {
  it("a missing object is a miss, a missing bucket is not", () => {
    assert.isTrue(isObjectMissing(apiError(404, "No such object: hoard-cache/ns/abc")))
    assert.isFalse(isObjectMissing(apiError(404, "The specified bucket does not exist.")))
    assert.isFalse(isObjectMissing(apiError(403, "forbidden")))
    const error = storageError("get", "reading gs://hoard-cache/ns/abc", apiError(404, "The specified bucket does not exist."), context)
    assert.include(error.message, `bucket "hoard-cache" does not exist`)
  })

  it("refused credentials and missing permissions name what to check", () => {
    const unauthorized = storageError("head", "reading x", apiError(401, "Invalid Credentials"), context)
    assert.match(unauthorized.message, /credentials were refused \(HTTP 401: Invalid Credentials\); check GOOGLE_APPLICATION_CREDENTIALS/u)
    const forbidden = storageError("put", "uploading x", apiError(403, "hoard@p.iam does not have storage.objects.create access"), context)
    assert.match(forbidden.message, /permission denied .*needs storage\.objects\.create .* on bucket "hoard-cache", e\.g\. through roles\/storage\.objectAdmin/u)
    assert.strictEqual(forbidden.operation, "put")
    assert.instanceOf(forbidden.cause, ApiError)
  })
})
