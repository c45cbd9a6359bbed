import { useState } from "preact/hooks"
import type { ActivityEvent, Client } from "./api.ts"
import { eventTypes } from "./api.ts"
import { formatBytes, formatDuration, formatTime, shortHash } from "./format.ts"
import { Pager, pageSizes, useCursors } from "./Pager.tsx"
import { Loaded } from "./Status.tsx"
import { useLoad } from "./useLoad.ts"

const detailOf = ({ data }: ActivityEvent): string =>
  [
    data.source,
    data.duration_ms !== undefined ? formatDuration(data.duration_ms) : undefined,
    data.size !== undefined ? formatBytes(data.size) : undefined,
    data.status !== undefined ? `HTTP ${data.status}` : undefined,
    data.reason
  ].filter((part) => part !== undefined).join(" · ")

const Events = ({ events }: { events: ReadonlyArray<ActivityEvent> }) =>
  events.length === 0
    ? <p class="muted empty" data-testid="events-empty">No activity matches.</p>
    : (
      <table data-testid="events">
        <thead>
          <tr><th>When</th><th>Event</th><th>Artifact</th><th>Details</th><th>Token</th></tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id} data-type={event.event_type}>
              <td>{formatTime(event.created_at)}</td>
              <td><span class="badge">{event.event_type}</span></td>
              <td class="mono" title={event.data.hash ?? ""}>{shortHash(event.data.hash, 16)}</td>
              <td>{detailOf(event)}</td>
              <td>{event.data.token_name ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )

/** The team's activity feed, newest first, by event type, in pages. */
export const Activity = ({ client }: { client: Client }) => {
  const [type, setType] = useState("")
  const [limit, setLimit] = useState(25)
  const cursors = useCursors()
  const page = useLoad(
    () => client.events({ limit, ...(type !== "" && { type }), ...(cursors.cursor !== undefined && { cursor: cursors.cursor }) }),
    [client, type, limit, cursors.cursor]
  )
  return (
    <section>
      <h2>Activity</h2>
      <div class="toolbar">
        <label>
          Event{" "}
          <select name="type" value={type} onChange={(e) => {
            setType(e.currentTarget.value)
            cursors.reset()
          }}>
            <option value="">all</option>
            <option value="usage.hit,usage.miss">turbo hits and misses</option>
            {eventTypes.map((name) => <option value={name}>{name}</option>)}
          </select>
        </label>
        <label>
          Per page{" "}
          <select name="limit" value={String(limit)} onChange={(e) => {
            setLimit(Number(e.currentTarget.value))
            cursors.reset()
          }}>
            {pageSizes.map((size) => <option value={String(size)}>{size}</option>)}
          </select>
        </label>
      </div>
      <Loaded load={page}>
        {(value) => (
          <>
            <Events events={value.events} />
            <Pager cursors={cursors} nextCursor={value.next_cursor} />
          </>
        )}
      </Loaded>
    </section>
  )
}
