import type { ChildServer } from "../childServer.ts"
import { benchTeam } from "../protocol.ts"
import { monitorRss } from "../rssMonitor.ts"
import { median } from "../stats.ts"
import type { JsonClient } from "./client.ts"
import { quotaTeam } from "./hoardIndexServer.ts"
import { analyticsPath, populatedHash, teamOfArtifact } from "./populate.ts"

/**
 * The reads the targets are about, each a request a dashboard or turbo sends.
 * `path` is called for every request: the one-artifact read asks for a
 * different populated artifact each time, so no answer is served from a cache
 * of the previous one.
 */
export interface ReadKind {
  readonly id: string
  readonly label: string
  readonly path: () => string
}

const pageSize = 50
/** The cursor page read is this deep in team `bench`'s listing. */
const cursorPageNumber = 10

interface Page {
  readonly next_cursor: string | null
}

/** Walks team `bench`'s artifact listing to page `cursorPageNumber` and returns that page's cursor. */
const deepCursor = async (client: JsonClient): Promise<string> => {
  let cursor: string | null = null
  for (let page = 1; page < cursorPageNumber; page++) {
    const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`
    const { json }: { json: Page } = await client.getJson<Page>(`/api/v1/teams/${benchTeam}/artifacts?limit=${pageSize}${query}`)
    if (json.next_cursor === null) break
    cursor = json.next_cursor
  }
  if (cursor === null) throw new Error(`team ${benchTeam} has a single page of artifacts: no cursor to read`)
  return cursor
}

/** The read kinds, with a cursor found on this server (it is opaque, and keeps working after a restart). */
export const readKinds = async (client: JsonClient, artifacts: number, quotaShare: number): Promise<Array<ReadKind>> => {
  const cursor = await deepCursor(client)
  const benchArtifacts: Array<number> = []
  for (let index = 0; index < artifacts; index++) if (teamOfArtifact(index, quotaShare) === "bench") benchArtifacts.push(index)
  let pick = 0
  return [
    { id: "artifacts-first", label: `artifacts page, first (limit ${pageSize})`, path: () => `/api/v1/teams/${benchTeam}/artifacts?limit=${pageSize}` },
    {
      id: "artifacts-cursor",
      label: `artifacts page, cursor (page ${cursorPageNumber})`,
      path: () => `/api/v1/teams/${benchTeam}/artifacts?limit=${pageSize}&cursor=${encodeURIComponent(cursor)}`
    },
    {
      id: "artifact-one",
      label: "one artifact",
      // A stride through the team's artifacts: spread over the whole table, never the same twice in a row.
      path: () => `/api/v1/teams/${benchTeam}/artifacts/${populatedHash(benchArtifacts[(pick++ * 7919) % benchArtifacts.length]!)}`
    },
    { id: "events-first", label: `events page (limit ${pageSize})`, path: () => `/api/v1/teams/${benchTeam}/events?limit=${pageSize}` },
    { id: "analytics-90d", label: "analytics, 90 days", path: () => analyticsPath(benchTeam, 90) },
    { id: "status-quota", label: "/v8/artifacts/status, team with a quota", path: () => `/v8/artifacts/status?slug=${quotaTeam}` }
  ]
}

export interface KindTimings {
  readonly id: string
  readonly label: string
  /** Every measured request, in order, ms. */
  readonly ms: ReadonlyArray<number>
  readonly medianMs: number
  readonly p90Ms: number
  readonly maxMs: number
}

export interface WarmReads {
  readonly kinds: ReadonlyArray<KindTimings>
  /** Hoard's RSS before the reads and its peak during them (procfs: sampled VmRSS and VmHWM). */
  readonly idleRssBytes: number
  readonly peakRssBytes: number
  readonly peakRss: { readonly sampledBytes: number; readonly hwmBytes: number | undefined }
}

const quantile = (values: ReadonlyArray<number>, q: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}

/** One request; fails unless 200, since an error answer would be a fast lie. */
const timed = async (client: JsonClient, kind: ReadKind): Promise<number> => {
  const path = kind.path()
  const answer = await client.get(path)
  if (answer.status !== 200) throw new Error(`${kind.id}: GET ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`)
  return answer.ms
}

/** Rotates the order of the kinds from one round to the next, so none always follows the same one. */
const rotated = <A>(items: ReadonlyArray<A>, round: number): Array<A> =>
  items.map((_, index) => items[(index + round) % items.length]!)

/**
 * Sequential requests, one at a time on one keep-alive connection: `warmup`
 * unmeasured rounds, then `rounds` measured ones, each round one request of
 * every kind. Hoard's RSS is sampled from procfs all along.
 */
export const measureWarmReads = async (
  server: ChildServer,
  client: JsonClient,
  kinds: ReadonlyArray<ReadKind>,
  rounds: number,
  warmup: number
): Promise<WarmReads> => {
  for (let round = 0; round < warmup; round++) {
    for (const kind of rotated(kinds, round)) await Promise.race([timed(client, kind), server.crashed])
  }
  const monitor = monitorRss(server.pid)
  try {
    const idleRssBytes = monitor.overallPeakBytes()
    monitor.beginPhase()
    const samples = new Map<string, Array<number>>(kinds.map((kind) => [kind.id, []]))
    for (let round = 0; round < rounds; round++) {
      for (const kind of rotated(kinds, round)) samples.get(kind.id)!.push(await Promise.race([timed(client, kind), server.crashed]))
    }
    const peak = monitor.endPhase()
    return {
      kinds: kinds.map((kind) => {
        const ms = samples.get(kind.id)!
        return { id: kind.id, label: kind.label, ms, medianMs: median(ms), p90Ms: quantile(ms, 0.9), maxMs: Math.max(...ms) }
      }),
      idleRssBytes,
      peakRssBytes: peak.peakBytes,
      peakRss: { sampledBytes: peak.sampledBytes, hwmBytes: peak.hwmBytes }
    }
  } finally {
    monitor.stop()
  }
}

/** The first request of every kind on a freshly started server, in the given order. */
export const measureFirstReads = async (
  server: ChildServer,
  client: JsonClient,
  kinds: ReadonlyArray<ReadKind>,
  restart: number
): Promise<Record<string, number>> => {
  const first: Record<string, number> = {}
  for (const kind of rotated(kinds, restart)) first[kind.id] = await Promise.race([timed(client, kind), server.crashed])
  return first
}
