import type { Client, Retention } from "./api.ts"
import { formatBytes } from "./format.ts"
import { Loaded } from "./Status.tsx"
import { useLoad } from "./useLoad.ts"

const Meter = ({ id, label, used, budget, count }: {
  id: string
  label: string
  used: number
  budget: number | null
  count: number
}) => (
  <div class="meter" data-testid={`storage-${id}`}>
    <div class="meter-label">
      <strong>{label}</strong>
      <span>
        {formatBytes(used)} of {budget === null ? "no budget" : formatBytes(budget)} · {count} artifacts
      </span>
    </div>
    {budget !== null && <progress max={budget} value={Math.min(used, budget)} />}
  </div>
)

const Figures = ({ report }: { report: Retention }) => (
  <>
    <Meter id="team" label="This team" used={report.storage_bytes} budget={report.max_size_bytes} count={report.artifact_count} />
    <Meter id="cache" label="The whole cache" used={report.cache.storage_bytes} budget={report.cache.max_size_bytes}
      count={report.cache.artifact_count} />
    <p class="muted" data-testid="storage-quota">
      Quota: {report.quota_bytes === null
        ? "none"
        : `${formatBytes(report.quota_bytes)} (uploads past it are refused; the budget evicts before it)`}
    </p>
    <p class="muted">
      Evicted so far: {report.evicted.count} artifacts ({formatBytes(report.evicted.bytes)}) ·{" "}
      TTL: {report.ttl_seconds === null ? "none" : `${Math.round(report.ttl_seconds / 3600)} h since last use`}
    </p>
  </>
)

/** Stored bytes against the team's and the cache's size budgets (`GET .../retention`). */
export const Storage = ({ client }: { client: Client }) => {
  const report = useLoad(() => client.retention(), [client])
  return (
    <section>
      <h2>Storage</h2>
      <Loaded load={report}>{(value) => <Figures report={value} />}</Loaded>
    </section>
  )
}
