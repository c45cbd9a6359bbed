import { setTimeout as sleep } from "node:timers/promises"
import type { ChildServer } from "../childServer.ts"
import { hashOf } from "../protocol.ts"
import { runTransferLoad } from "../transferLoad.ts"
import type { JsonClient } from "./client.ts"
import type { IndexBenchConfig } from "./config.ts"
import { teams } from "./hoardIndexServer.ts"
import type { TeamSlug } from "./hoardIndexServer.ts"

/**
 * Fills one backend through the real HTTP path: turbo's `PUT /v8/artifacts/:hash`
 * (each upload records its own events, about 2 per PUT), then
 * `POST /v8/artifacts/events` in batches of 1000 until the index holds about
 * `config.events` events. Both teams get a share (`quotaShare` to `quota`).
 * The index writer applies writes in the background, with a bounded queue, so
 * populating pauses whenever the index falls too far behind, and at the end
 * waits until the index has applied everything (read back through analytics).
 */

/** Family tag of the populated artifacts' hashes (`hashOf(populateFamily, i)`). */
const populateFamily = 0xc0

/** The i-th populated artifact's hash (every team shares one numbering, so hashes never repeat). */
export const populatedHash = (index: number): string => hashOf(populateFamily, index)

/** Whether item `index` of a sequence goes to team `quota`: exactly `share` of any prefix, spread evenly. */
const toQuota = (index: number, share: number): boolean => Math.floor((index + 1) * share) > Math.floor(index * share)

export const teamOfArtifact = (index: number, share: number): TeamSlug => (toQuota(index, share) ? "quota" : "bench")

/** What the index should hold per team once everything is applied. */
export interface TeamCounts {
  uploads: number
  usageEvents: number
}

export type Expected = Record<TeamSlug, TeamCounts>

export interface PopulateResult {
  readonly artifacts: Record<TeamSlug, number>
  readonly usageEvents: Record<TeamSlug, number>
  readonly putSeconds: number
  readonly putsPerSecond: number
  readonly eventsSeconds: number
  readonly eventsPerSecond: number
  /** From the last request to the index holding everything. */
  readonly catchUpSeconds: number
  readonly caughtUp: boolean
  /** What analytics read at the end, per team. */
  readonly indexed: Expected
}

interface AnalyticsCounts {
  readonly hits: { readonly local: number; readonly remote: number }
  readonly misses: { readonly local: number; readonly remote: number }
  readonly uploads: number
}

export const analyticsPath = (team: string, days: number, now = Date.now()): string =>
  `/api/v1/teams/${team}/analytics?from=${new Date(now - days * 86_400_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`

/** What the index has applied so far, per team (from the hourly rollups). */
export const readIndexed = async (client: JsonClient): Promise<Expected> => {
  const entries = await Promise.all(teams.map(async (team) => {
    const { json } = await client.getJson<AnalyticsCounts>(analyticsPath(team, 90))
    const usage = json.hits.local + json.hits.remote + json.misses.local + json.misses.remote
    return [team, { uploads: json.uploads, usageEvents: usage }] as const
  }))
  return Object.fromEntries(entries) as Expected
}

const lagOf = (expected: Expected, indexed: Expected): number =>
  teams.reduce((sum, team) =>
    sum + Math.max(0, expected[team].uploads - indexed[team].uploads) +
    Math.max(0, expected[team].usageEvents - indexed[team].usageEvents), 0)

/**
 * Polls analytics until the index is at most `maxLag` items (uploads plus usage
 * events) behind `expected`, or `deadline` (ms, performance.now()) passes.
 * Returns whether it got there, and the last reading.
 */
export const waitForIndex = async (
  client: JsonClient,
  expected: Expected,
  maxLag: number,
  deadline: number
): Promise<{ readonly reached: boolean; readonly indexed: Expected }> => {
  for (;;) {
    const indexed = await readIndexed(client)
    if (lagOf(expected, indexed) <= maxLag) return { reached: true, indexed }
    if (performance.now() >= deadline) return { reached: false, indexed }
    await sleep(250)
  }
}

const describeCounts = (counts: Expected): string =>
  teams.map((team) => `${team}: ${counts[team].uploads} uploads, ${counts[team].usageEvents} usage events`).join("; ")

/** Writes the index may hold queued before populating waits (the writer's queue holds 100 000). */
const maxQueuedLag = 30_000
const putChunk = 10_000
const eventBatch = 1_000
const eventConnections = 4
/** Usage events posted between two checks of the index's lag. */
const eventsBetweenChecks = 30_000

const putArtifacts = async (
  server: ChildServer,
  client: JsonClient,
  config: IndexBenchConfig,
  expected: Expected,
  deadline: number,
  log: (line: string) => void
): Promise<void> => {
  let done = 0
  while (done < config.artifacts) {
    const chunk = Math.min(putChunk, config.artifacts - done)
    const concurrency = Math.min(config.populateConcurrency, chunk)
    const perWorker = Math.floor(chunk / concurrency)
    const first = done
    const result = await Promise.race([
      runTransferLoad({
        baseUrl: server.url,
        method: "PUT",
        size: config.artifactBytes,
        concurrency,
        stop: { requestsPerWorker: perWorker },
        pathFor: (worker, sequence) => {
          const index = first + worker * perWorker + sequence
          return `/v8/artifacts/${populatedHash(index)}?slug=${teamOfArtifact(index, config.quotaShare)}`
        }
      }),
      server.crashed
    ])
    const sent = concurrency * perWorker
    if (result.errors > 0 || result.requests !== sent) {
      throw new Error(`populating PUTs failed at artifact ${first}: ${result.firstError ?? `${result.requests} of ${sent} answered`}`)
    }
    for (let index = first; index < first + sent; index++) expected[teamOfArtifact(index, config.quotaShare)].uploads++
    done += sent
    const { reached, indexed } = await waitForIndex(client, expected, maxQueuedLag, deadline)
    log(`  PUT ${done}/${config.artifacts} (${(result.requests / result.seconds).toFixed(0)}/s); index has ${describeCounts(indexed)}`)
    if (!reached) throw new Error(`the index fell behind by more than ${maxQueuedLag} writes and did not catch up in time`)
  }
}

const sources = ["REMOTE", "LOCAL"] as const
const outcomes = ["HIT", "MISS", "HIT"] as const

/** One batch of turbo usage events about the team's populated artifacts. */
const eventBody = (batch: number, size: number, teamArtifacts: ReadonlyArray<number>): string => {
  const events = Array.from({ length: size }, (_, item) => {
    const event = outcomes[(batch + item) % outcomes.length]!
    return {
      sessionId: `bench-session-${batch.toString(16).padStart(6, "0")}`,
      source: sources[item % sources.length]!,
      event,
      hash: populatedHash(teamArtifacts[(batch * eventBatch + item) % teamArtifacts.length] ?? 0),
      ...(event === "HIT" && { duration: 500 + ((batch * 31 + item * 17) % 20_000) })
    }
  })
  return JSON.stringify(events)
}

const postUsageEvents = async (
  client: JsonClient,
  config: IndexBenchConfig,
  total: number,
  expected: Expected,
  deadline: number,
  log: (line: string) => void
): Promise<void> => {
  const artifactsOf: Record<TeamSlug, Array<number>> = { bench: [], quota: [] }
  for (let index = 0; index < config.artifacts; index++) artifactsOf[teamOfArtifact(index, config.quotaShare)].push(index)
  const batches = Math.ceil(total / eventBatch)
  let next = 0
  let posted = 0
  while (next < batches) {
    const until = Math.min(batches, next + Math.ceil(eventsBetweenChecks / eventBatch))
    const worker = async (): Promise<void> => {
      while (next < until) {
        const batch = next++
        const size = Math.min(eventBatch, total - batch * eventBatch)
        const team = teamOfArtifact(batch, config.quotaShare)
        const answer = await client.post(`/v8/artifacts/events?slug=${team}`, eventBody(batch, size, artifactsOf[team]))
        if (answer.status !== 200) throw new Error(`POST events (batch ${batch}) answered ${answer.status}: ${answer.body.slice(0, 300)}`)
        expected[team].usageEvents += size
        posted += size
      }
    }
    await Promise.all(Array.from({ length: eventConnections }, worker))
    const { reached, indexed } = await waitForIndex(client, expected, maxQueuedLag, deadline)
    log(`  events ${posted}/${total}; index has ${describeCounts(indexed)}`)
    if (!reached) throw new Error(`the index fell behind by more than ${maxQueuedLag} writes and did not catch up in time`)
  }
}

export const populate = async (
  server: ChildServer,
  client: JsonClient,
  config: IndexBenchConfig,
  log: (line: string) => void
): Promise<PopulateResult> => {
  const expected: Expected = { bench: { uploads: 0, usageEvents: 0 }, quota: { uploads: 0, usageEvents: 0 } }
  const deadline = performance.now() + config.timeoutMinutes * 60_000
  const usageTotal = Math.max(0, config.events - 2 * config.artifacts)
  log(`populating: ${config.artifacts} PUTs of ${config.artifactBytes} B at c=${config.populateConcurrency}, then ${usageTotal} usage events in batches of ${eventBatch}`)

  const putStarted = performance.now()
  await putArtifacts(server, client, config, expected, deadline, log)
  const putSeconds = (performance.now() - putStarted) / 1000

  const eventsStarted = performance.now()
  await Promise.race([postUsageEvents(client, config, usageTotal, expected, deadline, log), server.crashed])
  const eventsSeconds = (performance.now() - eventsStarted) / 1000

  const catchUpStarted = performance.now()
  const catchUpDeadline = Math.min(deadline, catchUpStarted + config.catchUpSeconds * 1000)
  const { reached, indexed } = await waitForIndex(client, expected, 0, catchUpDeadline)
  const catchUpSeconds = (performance.now() - catchUpStarted) / 1000
  log(reached
    ? `  the index holds everything ${catchUpSeconds.toFixed(1)} s after the last request: ${describeCounts(indexed)}`
    : `  WARNING: after ${catchUpSeconds.toFixed(0)} s the index holds ${describeCounts(indexed)}; expected ${describeCounts(expected)}`)
  return {
    artifacts: { bench: expected.bench.uploads, quota: expected.quota.uploads },
    usageEvents: { bench: expected.bench.usageEvents, quota: expected.quota.usageEvents },
    putSeconds,
    putsPerSecond: (expected.bench.uploads + expected.quota.uploads) / putSeconds,
    eventsSeconds,
    eventsPerSecond: usageTotal / eventsSeconds,
    catchUpSeconds,
    caughtUp: reached,
    indexed
  }
}
