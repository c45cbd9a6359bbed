/**
 * Malformed HTTP requests, as raw bytes: what a broken client, a scanner or an
 * attacker sends. Drawn from a seeded generator, so a failure names a seed
 * that reproduces it.
 */

/** A small seeded PRNG (mulberry32). */
export const seededRandom = (seed: number) => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (below: number) => Math.floor(next() * below)
  const pick = <A>(items: ReadonlyArray<A>): A => items[int(items.length)]!
  return { next, int, pick }
}

type Random = ReturnType<typeof seededRandom>

const hash = "0123456789abcdef"
const methods = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "get", "G\u00e9T", ""]
const paths = [
  `/v8/artifacts/${hash}`, "/v8/artifacts", "/v8/artifacts/events", "/v8/artifacts/status",
  "/v8/artifacts/..%2f..%2f..%2fetc%2fpasswd", "/v8/artifacts/../../etc/passwd", "/v8/artifacts/%2e%2e/%2e%2e/x",
  "/v8/artifacts/%00", "/v8/artifacts/abc%ZZ", "/v8/artifacts/" + "a".repeat(5000), "/v8/artifacts/abc#frag",
  "/v8/artifacts/abc?teamId=../../x", "/v8/artifacts/abc?slug=%00", "/v8/artifacts/abc?slug=" + "s".repeat(3000),
  "/v2/user", "/v2/teams/../../x", "/api/v1/teams/t/artifacts?cursor=garbage", "/api/v1/teams/t/artifacts?cursor=%FF%FE",
  "/api/v1/teams/t/artifacts?limit=-1", "/api/v1/teams/t/artifacts?limit=99999999999", "/api/v1/teams/t/events?cursor=eyJ4Ijoi",
  "/api/v1/teams/t/events/999999999999999999999", "/api/v1/teams/t/analytics?from=yesterday",
  `/api/v1/downloads/t/${hash}?expires=1&signature=00`, `/api/v1/downloads/t/${hash}?expires=99999999999999&signature=${"0".repeat(64)}`,
  `/api/v1/downloads/t/${hash}`, `/api/v1/downloads/../${hash}?expires=1&signature=x`, "/openapi.json?x=" + "%".repeat(50),
  "*", "http://127.0.0.1/v8/artifacts/status", "//v8//artifacts//", "/\u00fc\u00f1\u00ee"
]
const versions = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 extra", "HTTX/1.1", ""]
const tokens = ["Bearer faults-token-0123456789", "Bearer wrong", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer " + "x".repeat(10000), "bearer faults-token-0123456789"]
const jsonBodies = [
  "", "{", "[", "null", "[]", "{}", '{"hashes":"x"}', '{"hashes":[1,2,3]}', '{"hashes":' + JSON.stringify(Array(5000).fill(hash)) + "}",
  "[".repeat(5000) + "]".repeat(5000), '[{"source":"LOCAL","event":"HIT","hash":"x","duration":"NaN"}]', "\u0000\u0001\u0002",
  '{"__proto__":{"polluted":true}}', '[{"sessionId":' + '"x"'.repeat(1) + "}]", "\ufeff{}"
]

const line = (parts: ReadonlyArray<string>) => `${parts.join("\r\n")}\r\n\r\n`

/** One malformed request, as bytes, and how to send it. */
export interface MalformedRequest {
  readonly kind: string
  readonly bytes: Buffer
  /** Close our side right after writing (a body cut short), instead of waiting for the answer. */
  readonly hangUp: boolean
}

const withBody = (head: ReadonlyArray<string>, body: string, declared: number | string = Buffer.byteLength(body)) =>
  Buffer.concat([Buffer.from(line([...head, `content-length: ${declared}`])), Buffer.from(body)])

const generators: ReadonlyArray<(random: Random) => MalformedRequest> = [
  (r) => ({
    kind: "odd request line",
    bytes: Buffer.from(line([`${r.pick(methods)} ${r.pick(paths)} ${r.pick(versions)}`, "host: 127.0.0.1", `authorization: ${r.pick(tokens)}`])),
    hangUp: false
  }),
  (r) => ({
    kind: "bad JSON body",
    bytes: withBody(
      [`POST ${r.pick(["/v8/artifacts", "/v8/artifacts/events"])}?slug=faults HTTP/1.1`, "host: 127.0.0.1", `authorization: ${r.pick(tokens)}`, "content-type: application/json"],
      r.pick(jsonBodies)
    ),
    hangUp: false
  }),
  (r) => ({
    kind: "bad or duplicate content-length",
    bytes: withBody(
      [`PUT /v8/artifacts/${hash}?slug=faults HTTP/1.1`, "host: 127.0.0.1", `authorization: ${r.pick(tokens)}`,
        ...(r.int(2) === 0 ? ["content-length: 3"] : [])],
      "abc",
      r.pick(["-1", "abc", "3, 4", "99999999999999999999", "0x10", " 3", "1e3", "3"])
    ),
    hangUp: false
  }),
  (r) => ({
    kind: "chunked upload",
    bytes: Buffer.from(
      line([`PUT /v8/artifacts/${hash}?slug=faults HTTP/1.1`, "host: 127.0.0.1", `authorization: ${r.pick(tokens)}`, "transfer-encoding: chunked"]) +
        r.pick(["3\r\nabc\r\n0\r\n\r\n", "zz\r\nabc\r\n", "3\r\nab", "ffffffffffffffff\r\n"])
    ),
    hangUp: r.int(2) === 0
  }),
  (r) => ({
    kind: "body shorter than declared",
    bytes: withBody([`PUT /v8/artifacts/${hash}?slug=faults HTTP/1.1`, "host: 127.0.0.1", `authorization: ${r.pick(tokens)}`], "x".repeat(r.int(100)), 1000 + r.int(100_000)),
    hangUp: true
  }),
  (r) => ({
    kind: "body longer than declared",
    bytes: withBody([`PUT /v8/artifacts/${hash}?slug=faults HTTP/1.1`, "host: 127.0.0.1", `authorization: ${r.pick(tokens)}`], "y".repeat(100 + r.int(1000)), r.int(50)),
    hangUp: false
  }),
  (r) => ({
    kind: "huge or broken headers",
    bytes: Buffer.from(line([
      `GET /v8/artifacts/${hash}?slug=faults HTTP/1.1`, "host: 127.0.0.1", `authorization: ${r.pick(tokens)}`,
      r.pick([`x-big: ${"h".repeat(20_000 + r.int(50_000))}`, "no-colon-here", ": empty-name", "x-artifact-duration: -5", "x-artifact-tag: \u0000",
        ...Array.from({ length: 3 }, () => Array.from({ length: 500 }, (_, i) => `x-h${i}: v`).join("\r\n"))])
    ])),
    hangUp: false
  }),
  (r) => ({
    kind: "random bytes",
    bytes: Buffer.from(Array.from({ length: 1 + r.int(2000) }, () => r.int(256))),
    hangUp: r.int(2) === 0
  })
]

/** The `n`th request of the run seeded `seed`. */
export const malformedRequest = (seed: number, n: number): MalformedRequest => {
  const random = seededRandom(seed * 1_000_003 + n)
  return random.pick(generators)(random)
}
