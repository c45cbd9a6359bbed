import { Schema } from "effect"
import { Namespace } from "../domain/Namespace.ts"

/**
 * A team's state, reported by `GET /v8/artifacts/status`:
 * - `enabled`: normal;
 * - `disabled` / `paused`: every artifact request gets 403 (turbo stops using the cache for the run);
 * - `over_limit` (computed, never configured): the team's storage quota is used up; reads work, uploads get 403.
 */
export const TeamStatus = Schema.Literals(["enabled", "disabled", "paused", "over_limit"])
export type TeamStatus = typeof TeamStatus.Type

/** A team as the directory knows it. `id` is also its storage namespace. */
export interface Team {
  readonly id: Namespace
  readonly slug: string
  readonly name: string
  /** The configured state (`over_limit` is computed from `quotaBytes`). */
  readonly status: "enabled" | "disabled" | "paused"
  /** Storage quota in bytes; none when unlimited. */
  readonly quotaBytes?: number
  /** The team's eviction budget in bytes (`maxSize`); none when only the whole cache's applies. */
  readonly maxSizeBytes?: number
  /** When the team was created (ms since the epoch); turbo link shows it. */
  readonly createdAt: number
}
