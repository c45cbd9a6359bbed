/**
 * Purges: an admin removes every artifact of one git commit (a bad commit
 * poisoned the cache) or all of a team's artifacts. A purge runs in the
 * background on the replica that was asked, as a job whose progress is kept
 * in the cache index, so any replica answers `GET .../purges/:id`.
 *
 * A commit's artifacts are found in the index (`sha`), a page at a time; a
 * whole team is found by walking storage's listing (the truth for bytes,
 * including objects the index has not seen yet) and then the index's
 * remaining records. A purge is idempotent: run again, it finds what is left.
 */
import { Context, Effect, FiberSet, Layer, Option, Schema, Stream } from "effect"
import type { Team } from "../access/Team.ts"
import { CacheIndex } from "../index/CacheIndex.ts"
import type { EvictionCandidate, IndexError } from "../index/CacheIndex.ts"
import { newEventId, IndexWriter } from "../index/IndexWriter.ts"
import { TeamUsage } from "../access/TeamUsage.ts"
import { TeamLabels } from "../observability/teamLabels.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import { removeArtifacts } from "./removeArtifacts.ts"

/** A purge job as the index keeps it and the management API returns it. */
export const PurgeJob = Schema.Struct({
  id: Schema.String,
  team_id: Schema.String,
  /** The commit whose artifacts are purged; null when the purge is of the whole team. */
  sha: Schema.NullOr(Schema.String),
  status: Schema.Literals(["running", "done", "failed"]),
  /** Artifacts deleted so far, and their bytes. */
  deleted: Schema.Int,
  deleted_bytes: Schema.Int,
  /** ISO 8601. */
  started_at: Schema.String,
  updated_at: Schema.String,
  finished_at: Schema.NullOr(Schema.String),
  /** Why it failed (fixed words; the log has the cause). */
  error: Schema.NullOr(Schema.String)
}).annotate({ identifier: "PurgeJob" })
export type PurgeJob = typeof PurgeJob.Type

/** What to purge. */
export type PurgeTarget = { readonly sha: string } | { readonly all: true }

export interface PurgesShape {
  /** Starts a purge of the team's artifacts in the background; answers the job as it starts. */
  readonly start: (team: Team, target: PurgeTarget) => Effect.Effect<PurgeJob, IndexError>
  /** The job, from any replica; `none` when there is no such job for the team. */
  readonly get: (team: Team, id: string) => Effect.Effect<Option.Option<PurgeJob>, IndexError>
}

export class Purges extends Context.Service<Purges, PurgesShape>()("@hoard/core/Purges") {}

/** A running job not updated for this long reads as failed: its replica stopped. */
const staleJobMs = 5 * 60 * 1000
const pageSize = 500

const metaKey = (teamId: string, id: string) => `purge:${teamId}:${id}`
const decodeJob = Schema.decodeUnknownOption(Schema.fromJsonString(PurgeJob))
const iso = (ms: number) => new Date(ms).toISOString()

export const make = Effect.gen(function*() {
  const storage = yield* ArtifactStorage
  const index = yield* CacheIndex
  const writer = yield* IndexWriter
  const usage = yield* TeamUsage
  const teamLabels = yield* TeamLabels
  const running = yield* FiberSet.make()

  const save = (job: PurgeJob) => index.setMeta(metaKey(job.team_id, job.id), JSON.stringify(job))

  const run = (team: Team, target: PurgeTarget, initial: PurgeJob) =>
    Effect.gen(function*() {
      let job = initial
      const progress = (removed: { readonly count: number; readonly bytes: number }) => {
        job = { ...job, deleted: job.deleted + removed.count, deleted_bytes: job.deleted_bytes + removed.bytes, updated_at: iso(Date.now()) }
        usage.invalidate(team)
        return save(job)
      }
      const purge = (candidates: ReadonlyArray<EvictionCandidate>) =>
        Effect.flatMap(removeArtifacts(storage, writer, candidates, { reason: "purged", onlyIfUnused: false, teamLabels }), progress)
      /** Pages of the index's records (of the commit, or all the team's) until none is left. */
      const purgeIndexed = Effect.gen(function*() {
        while (true) {
          const page = yield* index.evictionCandidates({ teamId: team.id, ...("sha" in target && { sha: target.sha }), limit: pageSize })
          if (page.length === 0) return
          yield* purge(page)
        }
      })
      if ("all" in target) {
        yield* storage.list({ namespace: team.id }).pipe(
          Stream.map(({ info, key }): EvictionCandidate => ({ teamId: team.id, hash: key.hash, size: info.size, lastUsedAt: info.createdAt })),
          Stream.grouped(pageSize),
          Stream.runForEach(purge)
        )
      }
      yield* purgeIndexed
      yield* save({ ...job, status: "done", finished_at: iso(Date.now()), updated_at: iso(Date.now()) })
      yield* Effect.logInfo(`retention: purge ${job.id} of team ${team.id}${"sha" in target ? ` (commit ${target.sha})` : ""} done: ${job.deleted} artifact(s)`)
    }).pipe(
      Effect.catchCause((cause) =>
        Effect.logError(`retention: purge ${initial.id} of team ${team.id} failed`, cause).pipe(
          Effect.andThen(Effect.flatMap(get(team, initial.id), (latest) => {
            const now = iso(Date.now())
            const job = Option.getOrElse(latest, () => initial)
            return save({ ...job, status: "failed", error: "the purge failed; see the server log", finished_at: now, updated_at: now })
          })),
          Effect.ignore
        )
      )
    )

  const start: PurgesShape["start"] = (team, target) =>
    Effect.gen(function*() {
      const now = Date.now()
      const job: PurgeJob = {
        id: newEventId(now),
        team_id: team.id,
        sha: "sha" in target ? target.sha : null,
        status: "running",
        deleted: 0,
        deleted_bytes: 0,
        started_at: iso(now),
        updated_at: iso(now),
        finished_at: null,
        error: null
      }
      yield* save(job)
      yield* FiberSet.run(running, run(team, target, job))
      return job
    })

  const get: PurgesShape["get"] = (team, id) =>
    Effect.map(index.getMeta(metaKey(team.id, id)), (value) =>
      Option.flatMap(value, decodeJob).pipe(Option.map((job) =>
        job.status === "running" && Date.parse(job.updated_at) < Date.now() - staleJobMs
          ? { ...job, status: "failed" as const, error: "the replica running the purge stopped; start it again to finish" }
          : job
      )))

  return Purges.of({ start, get })
})

/** Purges run in this layer's scope: shutting down interrupts them (a job then reads as failed once stale). */
export const layer: Layer.Layer<Purges, never, ArtifactStorage | CacheIndex | IndexWriter | TeamUsage | TeamLabels> = Layer.effect(Purges, make)
