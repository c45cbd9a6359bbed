import type { ArtifactKey } from "./ArtifactStorage.ts"
import { Effect } from "effect"

/** Versions already reported; the oldest are forgotten first, so memory stays bounded. */
const maxRemembered = 10_000

/**
 * Objects that hold no valid artifact (metadata missing or unparseable, or a
 * length other than the one recorded) are misses. They are not deleted: an
 * object under the prefix may be another tool's, and a delete after the read
 * could remove a version a concurrent put has just written. The next put of
 * the key replaces it. Each version is logged once, with its key, and counted.
 * For the cloud adapters; `label` names the adapter in the log line.
 */
export interface CorruptObjects {
  /** Logs and counts `version` of the object at `where` the first time it is reported. */
  readonly report: (key: ArtifactKey, where: string, version: string | undefined, reason: string) => Effect.Effect<void>
  /** How many corrupt object versions were found since the storage was made. */
  readonly count: Effect.Effect<number>
}

export const makeCorruptObjects = (label: string): CorruptObjects => {
  const reported = new Set<string>()
  let found = 0
  return {
    report: (key, where, version, reason) =>
      Effect.suspend(() => {
        const id = `${where}#${version ?? ""}`
        if (reported.has(id)) return Effect.void
        if (reported.size >= maxRemembered) reported.delete(reported.values().next().value!)
        reported.add(id)
        found++
        return Effect.logWarning(
          `${label}: the artifact ${key.namespace}/${key.hash} at ${where} is corrupt (${reason}); answering a miss`
        ).pipe(Effect.annotateLogs({ namespace: key.namespace, hash: key.hash }))
      }),
    count: Effect.sync(() => found)
  }
}
