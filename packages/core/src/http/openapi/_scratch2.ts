import { Effect, Option, Schema, SchemaGetter, SchemaIssue } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { ActivityEventType } from "../../activity/ActivityEvent.ts"

const parseTime = (s: string): number | undefined => {
  if (/^\d{1,16}$/u.test(s)) return Number(s)
  const t = Date.parse(s)
  return Number.isNaN(t) ? undefined : t
}
const Timestamp = Schema.String.pipe(Schema.decodeTo(Schema.Finite, {
  decode: SchemaGetter.transformOrFail((s: string) => {
    const t = parseTime(s)
    return t === undefined ? Effect.fail(new SchemaIssue.InvalidValue(Option.some(s), { message: "expected an ISO 8601 date or milliseconds since the epoch" })) : Effect.succeed(t)
  }),
  encode: SchemaGetter.transform((n: number) => new Date(n).toISOString())
})).annotate({ description: "ISO 8601 or ms since the epoch" })
const Types = Schema.String.pipe(Schema.decodeTo(Schema.Array(ActivityEventType), {
  decode: SchemaGetter.split({ separator: "," }),
  encode: SchemaGetter.transform((a: ReadonlyArray<string>) => a.join(","))
}))
const ep = HttpApiEndpoint.get("listEvents", "/teams/:team/events", {
  params: { team: Schema.String },
  query: { from: Schema.optionalKey(Timestamp), type: Schema.optionalKey(Types), limit: Schema.optionalKey(Schema.Int.check(Schema.isBetween({minimum: 1, maximum: 500})).annotate({description: "1..500"})) },
  success: Schema.Struct({ n: Schema.Int })
})
const head = HttpApiEndpoint.head("exists", "/a/:hash", { params: { hash: Schema.String }, success: HttpApiSchema.WithHeaders(HttpApiSchema.Empty(200), { "x-a": Schema.optional(Schema.String) }) })
const html = HttpApiEndpoint.get("docs", "/docs", { success: Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/html" })) })
class G extends HttpApiGroup.make("mgmt").add(ep, head, html) {}
class Api extends HttpApi.make("hoard").add(G) {}
const spec = OpenApi.fromApi(Api)
console.log(JSON.stringify(spec.paths, null, 1))
const d = Schema.decodeUnknownExit(ep.query as any)
console.log(d({ from: "2024-01-01T00:00:00Z", type: "usage.hit,artifact.deleted" }))
console.log(String(d({ from: "nope" })))
console.log(String(d({ type: "usage.hit,bogus" })))
console.log(String(d({ limit: "0" })))
