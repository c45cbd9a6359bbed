import { useState } from "preact/hooks"
import type { ArtifactRecord, Client } from "./api.ts"
import { ApiFailure, describeFailure } from "./api.ts"
import { formatBytes, formatDuration, formatTime, shortHash } from "./format.ts"
import { Pager, pageSizes, useCursors } from "./Pager.tsx"
import { Loaded } from "./Status.tsx"
import { useLoad } from "./useLoad.ts"

type Sort = "date" | "size"
type SearchBy = "hash" | "sha"
interface Filters {
  readonly searchBy: SearchBy
  readonly search: string
  readonly status: string
  readonly limit: number
}

interface ArtifactsPage {
  readonly artifacts: ReadonlyArray<ArtifactRecord>
  readonly next_cursor: string | null
}

/** A hash search is one `GET .../artifacts/:hash` (none found is an empty page); the rest is a listing. */
const loadPage = async (client: Client, filters: Filters, cursor: string | undefined): Promise<ArtifactsPage> => {
  const search = filters.search.trim()
  if (filters.searchBy === "hash" && search !== "") {
    try {
      const record = await client.artifact(search)
      const matches = filters.status === "" || record.status === filters.status
      return { artifacts: matches ? [record] : [], next_cursor: null }
    } catch (error) {
      if (error instanceof ApiFailure && (error.status === 404 || error.status === 400)) return { artifacts: [], next_cursor: null }
      throw error
    }
  }
  return client.artifacts({
    limit: filters.limit,
    ...(search !== "" && { sha: search }),
    ...(filters.status !== "" && { status: filters.status }),
    ...(cursor !== undefined && { cursor })
  })
}

const sorted = (artifacts: ReadonlyArray<ArtifactRecord>, sort: Sort) =>
  sort === "date" ? artifacts : [...artifacts].sort((a, b) => (b.size ?? -1) - (a.size ?? -1))

const DeleteButton = ({ hash, onDelete }: { hash: string; onDelete: (hash: string) => Promise<void> }) => {
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  if (!confirming) return <button type="button" class="danger" onClick={() => setConfirming(true)}>Delete</button>
  return (
    <span class="confirm">
      Delete {shortHash(hash, 8)}?{" "}
      <button type="button" class="danger" disabled={busy} onClick={async () => {
        setBusy(true)
        await onDelete(hash)
        setBusy(false)
        setConfirming(false)
      }}>
        Yes, delete
      </button>{" "}
      <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
    </span>
  )
}

const Table = ({ page, sort, onDelete }: { page: ArtifactsPage; sort: Sort; onDelete: (hash: string) => Promise<void> }) =>
  page.artifacts.length === 0
    ? <p class="muted empty" data-testid="artifacts-empty">No artifacts match.</p>
    : (
      <table data-testid="artifacts">
        <thead>
          <tr>
            <th>Hash</th><th>Status</th><th>Size</th><th>Git sha</th><th>Task time</th><th>Hits</th><th>Updated</th><th />
          </tr>
        </thead>
        <tbody>
          {sorted(page.artifacts, sort).map((artifact) => (
            <tr data-hash={artifact.hash} key={artifact.hash}>
              <td class="mono" title={artifact.hash}>{artifact.hash}</td>
              <td><span class={`badge ${artifact.status}`}>{artifact.status}</span></td>
              <td class="num">{formatBytes(artifact.size)}</td>
              <td class="mono" title={artifact.sha ?? ""}>{shortHash(artifact.sha, 10)}</td>
              <td class="num">{formatDuration(artifact.duration_ms)}</td>
              <td class="num">{artifact.hit_count}</td>
              <td>{formatTime(artifact.dates.updated_at)}</td>
              <td class="actions">
                {artifact.download_url !== null && <a href={artifact.download_url} download={artifact.hash}>Download</a>}{" "}
                {artifact.status === "success" && <DeleteButton hash={artifact.hash} onDelete={onDelete} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )

/** The team's artifacts: search by hash or git sha, filter by status, sort, page, download and delete. */
export const Artifacts = ({ client }: { client: Client }) => {
  const [draft, setDraft] = useState<Filters>({ searchBy: "hash", search: "", status: "", limit: 25 })
  const [filters, setFilters] = useState(draft)
  const [sort, setSort] = useState<Sort>("date")
  const [reload, setReload] = useState(0)
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string } | undefined>()
  const cursors = useCursors()
  const page = useLoad(() => loadPage(client, filters, cursors.cursor), [client, filters, cursors.cursor, reload])
  const apply = (next: Filters) => {
    setDraft(next)
    setFilters(next)
    cursors.reset()
  }
  const onDelete = async (hash: string) => {
    try {
      await client.deleteArtifact(hash)
      setNotice({ kind: "ok", text: `deleted ${hash}` })
      setReload(reload + 1)
    } catch (error) {
      setNotice({ kind: "error", text: describeFailure(error, "delete artifacts") })
    }
  }
  return (
    <section>
      <h2>Artifacts</h2>
      <form class="toolbar" onSubmit={(event) => {
        event.preventDefault()
        apply(draft)
      }}>
        <select name="searchBy" aria-label="Search by" value={draft.searchBy}
          onChange={(e) => setDraft({ ...draft, searchBy: e.currentTarget.value as SearchBy })}>
          <option value="hash">Hash</option>
          <option value="sha">Git sha</option>
        </select>
        <input name="search" placeholder="exact hash or git sha" value={draft.search}
          onInput={(e) => setDraft({ ...draft, search: e.currentTarget.value })} />
        <button type="submit">Search</button>
        <label>
          Status{" "}
          <select name="status" value={filters.status} onChange={(e) => apply({ ...draft, status: e.currentTarget.value })}>
            <option value="">any</option>
            <option value="success">stored</option>
            <option value="registered">uploading</option>
            <option value="failed">failed</option>
            <option value="missing">missing</option>
          </select>
        </label>
        <label>
          Sort{" "}
          <select name="sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as Sort)}>
            <option value="date">newest first</option>
            <option value="size">largest first (this page)</option>
          </select>
        </label>
        <label>
          Per page{" "}
          <select name="limit" value={String(filters.limit)} onChange={(e) => apply({ ...draft, limit: Number(e.currentTarget.value) })}>
            {pageSizes.map((size) => <option value={String(size)}>{size}</option>)}
          </select>
        </label>
      </form>
      {notice !== undefined && (
        <p class={notice.kind === "ok" ? "notice" : "error"} role={notice.kind === "ok" ? "status" : "alert"} data-testid="artifacts-notice">
          {notice.text}
        </p>
      )}
      <Loaded load={page}>
        {(value) => (
          <>
            <Table page={value} sort={sort} onDelete={onDelete} />
            <Pager cursors={cursors} nextCursor={value.next_cursor} />
          </>
        )}
      </Loaded>
    </section>
  )
}
