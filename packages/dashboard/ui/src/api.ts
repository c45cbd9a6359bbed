/**
 * The management API as the dashboard reads it. URLs are relative to the
 * page (`<base>/ui/`), so `../api/v1/...` is `<base>/api/v1/...` under any
 * base path. Types mirror the schemas `/openapi.json` documents.
 */

export type BySource<A> = { readonly local: A; readonly remote: A }

/** The figures of a window, or of one bucket of it. */
export interface Summary {
  readonly hits: BySource<number>
  readonly misses: BySource<number>
  readonly hit_rate: BySource<number | null>
  readonly time_saved_ms: number
  readonly uploads: number
  readonly downloads: number
  readonly bytes_uploaded: number
  readonly bytes_downloaded: number
  readonly rejected_requests: number
}

export interface Analytics extends Summary {
  readonly team_id: string
  readonly from: string
  readonly to: string
  readonly artifact_count: number
  readonly storage_bytes: number
  /** With `bucket`: every bucket of the window, in order. */
  readonly buckets?: ReadonlyArray<Summary & { readonly start: string }>
}

export type ArtifactStatus = "registered" | "success" | "failed" | "missing"

export interface ArtifactRecord {
  readonly hash: string
  readonly size: number | null
  readonly status: ArtifactStatus
  readonly sha: string | null
  readonly duration_ms: number | null
  readonly uploaded_by: string | null
  readonly hit_count: number
  readonly dates: { readonly registered_at: string; readonly updated_at: string; readonly obtained_at: string | null }
  readonly download_url: string | null
}

export interface ActivityEvent {
  readonly id: string
  readonly event_type: string
  readonly created_at: string
  readonly data: {
    readonly hash?: string
    readonly source?: "LOCAL" | "REMOTE"
    readonly duration_ms?: number
    readonly size?: number
    readonly token_name?: string
    readonly sha?: string
    readonly status?: number
    readonly reason?: string
  }
}

interface Stored {
  readonly storage_bytes: number
  readonly artifact_count: number
  readonly max_size_bytes: number | null
  readonly evicted: { readonly count: number; readonly bytes: number }
  readonly oldest_used_at: string | null
}

export interface Retention extends Stored {
  readonly team_id: string
  readonly quota_bytes: number | null
  readonly ttl_seconds: number | null
  readonly cache: Stored
}

export const eventTypes = [
  "usage.hit",
  "usage.miss",
  "artifact.upload_started",
  "artifact.uploaded",
  "artifact.upload_failed",
  "artifact.downloaded",
  "artifact.missed",
  "artifact.deleted",
  "purge.requested",
  "auth.rejected"
] as const

/** A refused or failed request, with the management API's `{error_code, message}` when it sent one. */
export class ApiFailure extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** What to tell the user about a failure: the dashboard's words for the statuses a user can act on. */
export const describeFailure = (error: unknown, action = "do this"): string => {
  if (!(error instanceof ApiFailure)) return `could not reach Hoard: ${String(error)}`
  if (error.status === 401) return "token rejected: Hoard does not know this token"
  if (error.status === 403) return `not allowed: this token cannot ${action} (${error.message})`
  if (error.status === 429) return "rate limited: wait a moment and retry"
  return `${error.message} (${error.code}, HTTP ${error.status})`
}

type Query = Readonly<Record<string, string | number | undefined>>

const queryString = (query: Query): string => {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(name, String(value))
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

/** A client for one token and team. */
export const makeClient = (token: string, team: string) => {
  const teamPath = `../api/v1/teams/${encodeURIComponent(team)}`
  const call = async (method: string, path: string, query: Query = {}): Promise<Response> => {
    const response = await fetch(`${teamPath}${path}${queryString(query)}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      cache: "no-store"
    })
    if (response.ok) return response
    const body = await response.json().catch(() => undefined) as { error_code?: string; message?: string } | undefined
    throw new ApiFailure(response.status, body?.error_code ?? "http_error", body?.message ?? response.statusText)
  }
  const json = async <A>(path: string, query?: Query): Promise<A> => (await call("GET", path, query)).json() as Promise<A>
  return {
    team,
    analytics: (from?: number, to?: number, bucket?: "hour" | "day" | "week") =>
      json<Analytics>("/analytics", { from, to, bucket }),
    retention: () => json<Retention>("/retention"),
    artifacts: (query: { sha?: string; status?: string; cursor?: string; limit: number }) =>
      json<{ artifacts: ReadonlyArray<ArtifactRecord>; next_cursor: string | null }>("/artifacts", query),
    artifact: (hash: string) => json<ArtifactRecord>(`/artifacts/${encodeURIComponent(hash)}`),
    deleteArtifact: async (hash: string) => {
      await call("DELETE", `/artifacts/${encodeURIComponent(hash)}`)
    },
    events: (query: { type?: string; cursor?: string; limit: number }) =>
      json<{ events: ReadonlyArray<ActivityEvent>; next_cursor: string | null }>("/events", query)
  }
}

export type Client = ReturnType<typeof makeClient>
