const units = ["B", "KiB", "MiB", "GiB", "TiB"]

export const formatBytes = (bytes: number | null | undefined): string => {
  if (bytes === null || bytes === undefined) return "–"
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 5 s` or `2 h 3 min`. */
export const formatDuration = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined) return "–"
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

export const formatRate = (rate: number | null | undefined): string =>
  rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)} %`

export const formatTime = (iso: string | null | undefined): string =>
  iso === null || iso === undefined ? "–" : new Date(iso).toLocaleString()

export const shortHash = (hash: string | null | undefined, length = 12): string =>
  hash === null || hash === undefined ? "–" : hash.length > length ? `${hash.slice(0, length)}…` : hash
