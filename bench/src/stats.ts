/** Order statistics over a handful of rounds. */

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const minOf = (values: ReadonlyArray<number>): number => (values.length === 0 ? Number.NaN : Math.min(...values))

export const maxOf = (values: ReadonlyArray<number>): number => (values.length === 0 ? Number.NaN : Math.max(...values))
