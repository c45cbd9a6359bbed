import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "effect/http-api"

const ErrorBody = Schema.Struct({
  error_code: Schema.String,
  message: Schema.String,
  request_id: Schema.String,
  details: Schema.NullOr(Schema.Unknown)
}).annotate({ identifier: "ManagementError" })

class Bearer extends HttpApiMiddleware.Service<Bearer>()("Bearer", { security: { bearer: HttpApiSecurity.bearer } }) {}

const Limit = Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))
const Q = Schema.Struct({ limit: Schema.optionalKey(Limit), type: Schema.optionalKey(Schema.String) })
const ep = HttpApiEndpoint.get("listEvents", "/teams/:team/events", {
  params: { team: Schema.String },
  query: Q,
  success: Schema.Struct({ n: Schema.Number, cursor: Schema.NullOr(Schema.String) }),
  error: [ErrorBody.pipe(HttpApiSchema.status(400)), ErrorBody.pipe(HttpApiSchema.status(404))]
})
const dl = HttpApiEndpoint.get("download", "/artifacts/:hash", {
  params: { hash: Schema.String },
  success: HttpApiSchema.WithHeaders(HttpApiSchema.StreamUint8Array(), { "x-artifact-tag": Schema.optional(Schema.String) })
})
const hd = HttpApiEndpoint.head("exists", "/artifacts/:hash", { params: { hash: Schema.String } })
const opt = HttpApiEndpoint.options("preflight", "/artifacts/:hash", { params: { hash: Schema.String } })
const del = HttpApiEndpoint.delete("del", "/artifacts/:hash", { params: { hash: Schema.String } })
class G extends HttpApiGroup.make("mgmt").add(ep, del).middleware(Bearer).prefix("/api/v1") {}
class V8 extends HttpApiGroup.make("v8").add(dl, hd, opt).prefix("/v8") {}
class Api extends HttpApi.make("hoard").add(G, V8).annotateMerge(OpenApi.annotations({ title: "Hoard", version: "1" })) {}
console.log(JSON.stringify(OpenApi.fromApi(Api), null, 1))
console.log(ep.query, typeof (ep.query as any).fields)
console.log(Schema.decodeUnknownSync(ep.query as any)({ limit: "5" }))
