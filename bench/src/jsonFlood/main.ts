/**
 * `pnpm bench:json-flood`: what a flood of hostile JSON bodies costs Hoard.
 * `hoard serve` runs in a child process; after an idle pause its RSS is read,
 * then each round sends N concurrent ~1 MiB deeply nested (`[[[...]]]`)
 * bodies to `POST /v8/artifacts/events` (the endpoint a read-only token may
 * use), declared with Content-Length or chunked, while a status request is
 * timed every 50 ms. Prints, per round: the answers, peak RSS, RSS after
 * an idle pause, and the slowest status answer. The raw node:http server of
 * the throughput bench (which refuses the path unread) runs the same rounds:
 * the floor a server can reach with this client on this machine.
 */
import { Agent, request } from "node:http"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { setTimeout as sleep } from "node:timers/promises"
import { positiveInt } from "../config.ts"
import { readMemoryStatus } from "../procfs.ts"
import { authorizationHeader, benchTeam } from "../protocol.ts"
import { monitorRss } from "../rssMonitor.ts"
import { hoardBin, startServer } from "../servers.ts"
import type { ServerKind } from "../servers.ts"
import { formatNumber, renderTable } from "../table.ts"
import { MiB } from "../units.ts"

const idleMs = positiveInt("BENCH_JSON_FLOOD_IDLE_MS", 3000)
const floods = (process.env["BENCH_JSON_FLOOD_SIZES"] ?? "32,128").split(",").map(Number)
const kinds = (process.env["BENCH_JSON_FLOOD_SERVERS"] ?? "hoard,raw").split(",") as ReadonlyArray<ServerKind>

/** Just under 1 MiB, the old bound on every JSON body, so the old code parses it. */
const bodyBytes = MiB - 2
const body = Buffer.from("[".repeat(bodyBytes / 2) + "]".repeat(bodyBytes / 2))

interface Answer {
  readonly status: number | "error"
}

const post = (url: string, agent: Agent, chunked: boolean): Promise<Answer> =>
  new Promise((resolve) => {
    const headers = {
      ...authorizationHeader,
      "content-type": "application/json",
      ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(body.length) })
    }
    const req = request(`${url}/v8/artifacts/events?slug=${benchTeam}`, { method: "POST", headers, agent }, (response) => {
      response.resume()
      response.on("end", () => resolve({ status: response.statusCode ?? 0 }))
      response.on("error", () => resolve({ status: "error" }))
    })
    req.on("error", () => resolve({ status: "error" }))
    req.end(body)
  })

/** Times status requests back to back until `done` settles: the slowest, in ms, and how many got no answer. */
const timeStatus = async (url: string, done: Promise<unknown>): Promise<{ slowestMs: number; failed: number }> => {
  let finished = false
  void done.finally(() => (finished = true))
  let slowestMs = 0
  let failed = 0
  while (!finished) {
    const started = performance.now()
    try {
      const response = await fetch(`${url}/v8/artifacts/status?slug=${benchTeam}`, { headers: authorizationHeader })
      await response.arrayBuffer()
    } catch {
      failed++
    }
    slowestMs = Math.max(slowestMs, performance.now() - started)
    await sleep(50)
  }
  return { slowestMs, failed }
}

const countStatuses = (answers: ReadonlyArray<Answer>): string => {
  const counts = new Map<string, number>()
  for (const { status } of answers) counts.set(String(status), (counts.get(String(status)) ?? 0) + 1)
  return [...counts].sort().map(([status, count]) => `${count}×${status}`).join(" ")
}

const mb = (bytes: number) => formatNumber(bytes / MiB, 0)

/** Runs every round against one server; returns its idle RSS and a table row per round. */
const runRounds = async (kind: ServerKind, workDirectory: string, repoRoot: string) => {
  const server = await startServer(kind, {
    workDirectory,
    repoRoot,
    hoardBin: hoardBin(),
    hoardNodeArgs: [],
    rawNodeArgs: [],
    rawFsync: false
  })
  const monitor = monitorRss(server.pid)
  try {
    await sleep(idleMs)
    const idleRss = readMemoryStatus(server.pid)!.rssBytes
    const rows: Array<Array<string>> = []
    for (const chunked of [false, true]) {
      for (const size of floods) {
        const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
        const before = readMemoryStatus(server.pid)!.rssBytes
        monitor.beginPhase()
        const flood = Promise.all(Array.from({ length: size }, () => post(server.url, agent, chunked)))
        const [answers, status] = await Promise.all([flood, timeStatus(server.url, flood)])
        const peak = monitor.endPhase().peakBytes
        agent.destroy()
        await sleep(idleMs)
        const after = readMemoryStatus(server.pid)!.rssBytes
        rows.push([
          kind,
          `${size} × 1 MiB ${chunked ? "chunked" : "Content-Length"}`,
          countStatuses(answers),
          mb(before),
          mb(peak),
          mb(after),
          formatNumber(status.slowestMs, 0),
          String(status.failed)
        ])
      }
    }
    return { idleRss, rows }
  } finally {
    monitor.stop()
    await server.stop()
  }
}

const main = async () => {
  const workDirectory = await mkdtemp(join(tmpdir(), "hoard-bench-json-flood-"))
  const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
  try {
    const rows: Array<Array<string>> = []
    const idle: Array<string> = []
    for (const kind of kinds) {
      const result = await runRounds(kind, workDirectory, repoRoot)
      idle.push(`${kind} ${mb(result.idleRss)} MiB`)
      rows.push(...result.rows)
    }
    console.log(`json-flood: nested bodies of ${bodyBytes} bytes to POST /v8/artifacts/events; idle RSS: ${idle.join(", ")}\n`)
    console.log(renderTable([
      { header: "server", align: "left" },
      { header: "flood", align: "left" },
      { header: "answers", align: "left" },
      { header: "RSS before (MiB)", align: "right" },
      { header: "peak RSS (MiB)", align: "right" },
      { header: `RSS ${idleMs / 1000} s after (MiB)`, align: "right" },
      { header: "slowest status (ms)", align: "right" },
      { header: "status unanswered", align: "right" }
    ], rows))
  } finally {
    await rm(workDirectory, { recursive: true, force: true })
  }
}

await main()
