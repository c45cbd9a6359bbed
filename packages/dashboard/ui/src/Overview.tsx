import { useMemo, useState } from "preact/hooks"
import type { Client } from "./api.ts"
import { Chart } from "./Chart.tsx"
import { formatBytes, formatDuration, formatRate } from "./format.ts"
import { Loaded } from "./Status.tsx"
import { Storage } from "./Storage.tsx"
import { useLoad } from "./useLoad.ts"
import type { Granularity, Series } from "./windows.ts"
import { granularities, loadSeries } from "./windows.ts"

const Stat = ({ id, label, value, detail }: { id: string; label: string; value: string; detail?: string }) => (
  <div class="stat" data-testid={`stat-${id}`}>
    <span class="label">{label}</span>
    <span class="value">{value}</span>
    {detail !== undefined && <span class="detail">{detail}</span>}
  </div>
)

const Totals = ({ series: { totals } }: { series: Series }) => (
  <div class="stats">
    <Stat id="hit-rate" label="Remote hit rate" value={formatRate(totals.hit_rate.remote)}
      detail={`local ${formatRate(totals.hit_rate.local)}`} />
    <Stat id="hits" label="Remote hits" value={String(totals.hits.remote)} detail={`${totals.hits.local} local`} />
    <Stat id="misses" label="Misses" value={String(totals.misses.remote)} detail={`${totals.misses.local} local`} />
    <Stat id="time-saved" label="Time saved" value={formatDuration(totals.time_saved_ms)}
      detail={`${totals.time_saved_ms} ms`} />
    <Stat id="uploads" label="Uploads" value={String(totals.uploads)} detail={formatBytes(totals.bytes_uploaded)} />
    <Stat id="downloads" label="Downloads" value={String(totals.downloads)} detail={formatBytes(totals.bytes_downloaded)} />
    <Stat id="rejected" label="Refused requests" value={String(totals.rejected_requests)} />
  </div>
)

const Charts = ({ series }: { series: Series }) => {
  const lines = useMemo(() => {
    const of = (pick: (bucket: Series["buckets"][number]) => number | null) => series.buckets.map(pick)
    return {
      rate: [
        { label: "remote", color: "#2563eb", values: of((b) => b.hit_rate.remote === null ? null : b.hit_rate.remote * 100) },
        { label: "local", color: "#9333ea", values: of((b) => b.hit_rate.local === null ? null : b.hit_rate.local * 100) }
      ],
      saved: [{ label: "time saved", color: "#16a34a", values: of((b) => b.time_saved_ms), bars: true }],
      traffic: [
        { label: "uploaded", color: "#ea580c", values: of((b) => b.bytes_uploaded) },
        { label: "downloaded", color: "#0891b2", values: of((b) => b.bytes_downloaded) }
      ]
    }
  }, [series])
  return (
    <div class="charts">
      <Chart title="Hit rate (%)" max={100} times={series.times} series={lines.rate} format={(v) => `${Math.round(v)} %`} />
      <Chart title="Time saved" times={series.times} series={lines.saved} format={formatDuration} />
      <Chart title="Bytes uploaded and downloaded" times={series.times} series={lines.traffic} format={formatBytes} />
    </div>
  )
}

export const Overview = ({ client }: { client: Client }) => {
  const [granularity, setGranularity] = useState<Granularity>("day")
  const series = useLoad(() => loadSeries(client, granularity), [client, granularity])
  return (
    <section>
      <div class="toolbar">
        <h2>Cache effectiveness</h2>
        <label>
          Granularity{" "}
          <select name="granularity" value={granularity} onChange={(e) => setGranularity(e.currentTarget.value as Granularity)}>
            {Object.entries(granularities).map(([value, { label }]) => <option value={value}>{label}</option>)}
          </select>
        </label>
      </div>
      <Loaded load={series}>
        {(value) => (
          <>
            <Totals series={value} />
            <Charts series={value} />
          </>
        )}
      </Loaded>
      <Storage client={client} />
    </section>
  )
}
