import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runHoardCli } from "@hoard/transport-testkit"
import type { CliRun } from "@hoard/transport-testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, startRedis } from "./redisServer.ts"
import type { RedisServer } from "./redisServer.ts"

const bin = new URL("../src/bin.ts", import.meta.url)

/** Tokens with a budget of 10 requests a minute, one per test so that none sees another's count. */
const budgeted = ["shared", "control", "outage"].map((name) => ({
  name,
  token: `${name}-token-0123456789abcdef`,
  teams: { "*": "admin" },
  rateLimit: { requests: 10, per: "1 minute" }
}))
const secretOf = (name: string) => budgeted.find((token) => token.name === name)!.token

const configFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "hoard-cli-redis-"))
  writeFileSync(join(dir, "hoard.config.json"), JSON.stringify({ storage: "memory", index: "sqlite::memory:", tokens: budgeted }))
  return join(dir, "hoard.config.json")
}

interface Replica {
  readonly run: CliRun
  readonly url: string
}

/** `hoard serve` on a free port with the budgeted tokens; with `redis`, given by --redis or by HOARD_REDIS. */
const startReplica = async (config: string, redis?: { readonly url: string; readonly via: "flag" | "env" }): Promise<Replica> => {
  const run = runHoardCli(
    bin,
    ["--port", "0", "--config", config, ...(redis?.via === "flag" ? ["--redis", redis.url] : [])],
    redis?.via === "env" ? { HOARD_REDIS: redis.url } : {}
  )
  const server = await run.server
  return { run, url: server.url }
}

/** Stops a replica; its exit code and everything it printed. */
const stopReplica = async (replica: Replica) => {
  const exited = replica.run.exited
  ;(await replica.run.server).close().catch(() => undefined)
  return exited
}

interface Answer {
  readonly status: number
  readonly remaining: string | null
  readonly retryAfter: string | null
  readonly millis: number
}

const status = async (replica: Replica, token: string): Promise<Answer> => {
  const started = performance.now()
  const response = await fetch(`${replica.url}/v8/artifacts/status?slug=web`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000)
  })
  await response.arrayBuffer()
  return {
    status: response.status,
    remaining: response.headers.get("x-ratelimit-remaining"),
    retryAfter: response.headers.get("retry-after"),
    millis: performance.now() - started
  }
}

/** Requests with `token`, alternating between the replicas: `count` in all. */
const alternate = async (replicas: ReadonlyArray<Replica>, token: string, count: number): Promise<Array<Answer>> => {
  const answers: Array<Answer> = []
  for (let index = 0; index < count; index++) answers.push(await status(replicas[index % replicas.length]!, token))
  return answers
}

const expectRateLimited = (answer: Answer) => {
  expect(answer.status).toBe(429)
  expect(answer.remaining).toBe("0")
  const retryAfter = Number(answer.retryAfter)
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retry-after ${answer.retryAfter}`).toBe(true)
}

/** Answered, neither a server error nor slow: what a Redis outage must leave requests. */
const expectAnsweredQuickly = (answers: ReadonlyArray<Answer>) => {
  for (const answer of answers) {
    expect(answer.status, JSON.stringify(answer)).toBeLessThan(500)
    expect(answer.millis, JSON.stringify(answer)).toBeLessThan(1_000)
  }
}

/** Polls until `replica` counts `token` again (a remaining count below the limit), within `millis`. */
const untilCounted = async (replica: Replica, token: string, millis = 10_000): Promise<Answer> => {
  const deadline = Date.now() + millis
  for (;;) {
    const answer = await status(replica, token)
    if (answer.remaining !== null && Number(answer.remaining) < 10) return answer
    if (Date.now() > deadline) throw new Error(`${replica.url} did not count requests again in ${millis} ms: ${JSON.stringify(answer)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The rate limiter's warnings in a replica's output (JSON lines: its stdout is not a terminal). */
const warnings = (output: string) =>
  output.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return []
    const entry = JSON.parse(line) as { readonly level?: string; readonly message?: string }
    return entry.level === "WARN" && entry.message?.startsWith("rate limits: the store") === true ? [entry.message] : []
  })

describe("rate limits shared by replicas through Redis (--redis)", () => {
  let redis: RedisServer
  let config: string
  let replicas: Array<Replica> = []

  beforeAll(async () => {
    redis = await startRedis()
    config = configFile()
    replicas = [
      await startReplica(config, { url: redis.url, via: "flag" }),
      await startReplica(config, { url: redis.url, via: "env" })
    ]
  }, 60_000)

  afterAll(async () => {
    await Promise.all(replicas.map(stopReplica))
    await redis?.stop()
  }, 60_000)

  it("counts one budget across both replicas: 10 answers in all, then 429 with Retry-After on either", async () => {
    const answers = await alternate(replicas, secretOf("shared"), 10)
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200))
    // One counter: the remaining count goes down across the replicas.
    expect(answers.map((answer) => answer.remaining)).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"])
    for (const replica of replicas) expectRateLimited(await status(replica, secretOf("shared")))
  })

  it("control: without Redis, each replica counts its own budget of 10", async () => {
    const alone = [await startReplica(config), await startReplica(config)]
    try {
      const answers = await alternate(alone, secretOf("control"), 20)
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200))
      for (const replica of alone) expectRateLimited(await status(replica, secretOf("control")))
    } finally {
      const outputs = await Promise.all(alone.map(stopReplica))
      for (const { output } of outputs) expect(output).toContain("  rate limits: per replica (in memory)\n")
    }
  })

  it("lets requests through, quickly and without a 5xx, while Redis hangs or is down, warning once per outage; counts again once it is back", async () => {
    const token = secretOf("outage")
    expect((await alternate(replicas, token, 2)).map((answer) => answer.remaining)).toEqual(["9", "8"])

    // Redis hangs: each request waits at most the store timeout (250 ms), then goes through.
    redis.pause()
    const whileHung = await alternate(replicas, token, 6)
    redis.resume()
    expectAnsweredQuickly(whileHung)
    expect(whileHung.map((answer) => answer.status)).toEqual(Array(6).fill(200))
    for (const replica of replicas) await untilCounted(replica, token)

    // Redis is killed: commands fail at once while the client reconnects.
    await redis.kill()
    const whileDown = await alternate(replicas, token, 6)
    expectAnsweredQuickly(whileDown)
    expect(whileDown.map((answer) => answer.status)).toEqual(Array(6).fill(200))

    // Back (empty, on the same port): the clients reconnect and count again.
    await redis.start()
    for (const replica of replicas) await untilCounted(replica, token)

    // Down again, then stopped: a replica still shuts down promptly and cleanly.
    await redis.kill()
    expectAnsweredQuickly(await alternate(replicas, token, 2))
    const started = Date.now()
    const exits = await Promise.all(replicas.map(stopReplica))
    replicas = []
    expect(Date.now() - started).toBeLessThan(10_000)
    for (const [index, { code, output }] of exits.entries()) {
      expect(code, output).toBe(0)
      expect(output).toContain(`  rate limits: shared in redis ${redis.url}\n`)
      // One warning per outage (hung, down, down again), not one per request.
      expect(warnings(output), output).toHaveLength(3)
      expect(output, `replica ${index}`).toContain("rate limits: the store did not answer in 250ms")
      expect(output, `replica ${index}`).toContain("rate limits: the store answers again")
      // The Redis client's own warning per failed reconnect stays out of the log (at the info level).
      expect(output).not.toContain("NodeRedis client error")
    }
  }, 60_000)
})

describe("hoard serve --redis when Redis is not reachable at start", () => {
  it("fails start-up at once with one line naming --redis, the password masked, and exit code 1", async () => {
    const port = await freePort()
    const started = Date.now()
    const run = runHoardCli(bin, ["--port", "0", "--storage", "memory", "--redis", `redis://:hunter2-secret@127.0.0.1:${port}/2`])
    const { code, output } = await run.exited
    expect(code).toBe(1)
    expect(output).toMatch(
      new RegExp(`^hoard: cannot use the Redis of --redis redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/2: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\n$`)
    )
    expect(output).not.toContain("hunter2-secret")
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it("refuses a URL that is not a Redis one, without repeating it", async () => {
    const run = runHoardCli(bin, ["--port", "0", "--storage", "memory"], { HOARD_REDIS: "http://user:hunter2-secret@cache:6379" })
    const { code, output } = await run.exited
    expect(code).toBe(1)
    expect(output).toBe("hoard: invalid HOARD_REDIS: a Redis URL is redis://[[user]:password@]host[:port][/db] (rediss:// for TLS)\n")
  })
})
