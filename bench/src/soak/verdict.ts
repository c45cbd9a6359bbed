import type { SoakResult } from "./soak.ts"

/** What a soak must show: memory flat after the warm-up, fds flat, no failed request. */
export interface SoakBounds {
  /** Most MiB/min the RSS may grow after the warm-up (the robust, Theil–Sen slope). */
  readonly maxSlopeMiBPerMin: number
  /**
   * Most MiB/min V8's committed heap (`heapTotal`) may grow after the
   * warm-up. Once the young generation has reached its size it moves only
   * when the old generation must grow to hold what survives, so it follows a
   * JS leak closely, where `heapUsed` swings by the young generation's size.
   * RSS alone can hide a heap leak for minutes: pages V8 or malloc give back
   * elsewhere offset it.
   */
  readonly maxHeapSlopeMiBPerMin: number
  /** Most fds the server may hold after the idle time beyond what it held before the load. */
  readonly maxFdGrowth: number
  /**
   * Widest fd range while the load runs. Each connection and each artifact
   * being read or written holds one, so the range is up to about twice the
   * concurrency; a leak grows it without bound.
   */
  readonly maxFdSpread: number
}

export const defaultBounds = (concurrency: number, maxSlopeMiBPerMin: number): SoakBounds => ({
  maxSlopeMiBPerMin,
  maxHeapSlopeMiBPerMin: maxSlopeMiBPerMin,
  maxFdGrowth: 5,
  maxFdSpread: 2 * concurrency + 16
})

/** The bounds the result breaks, one line each; empty when it passes. */
export const soakFailures = (result: SoakResult, bounds: SoakBounds): ReadonlyArray<string> => {
  const failures: Array<string> = []
  const slope = result.rss.robustSlopeMiBPerMin
  if (!(slope < bounds.maxSlopeMiBPerMin)) {
    failures.push(`RSS grows ${slope.toFixed(2)} MiB/min after the warm-up (bound ${bounds.maxSlopeMiBPerMin})`)
  }
  const heap = result.breakdown?.heapTotal.robustSlopeMiBPerMin
  if (!(heap !== undefined && heap < bounds.maxHeapSlopeMiBPerMin)) {
    failures.push(
      `the V8 heap grows ${heap?.toFixed(2) ?? "(no probe readings)"} MiB/min after the warm-up (bound ${bounds.maxHeapSlopeMiBPerMin})`
    )
  }
  const growth = result.fds.afterIdle - result.fds.beforeLoad
  if (growth > bounds.maxFdGrowth) {
    failures.push(`${growth} more fds after the idle time than before the load (${result.fds.beforeLoad} → ${result.fds.afterIdle})`)
  }
  const spread = result.fds.max - result.fds.min
  if (spread > bounds.maxFdSpread) {
    failures.push(`fds ranged over ${spread} during the load (${result.fds.min}–${result.fds.max}; bound ${bounds.maxFdSpread})`)
  }
  if (result.load.errors > 0) {
    failures.push(`${result.load.errors} unexpected answer(s), e.g. ${result.load.errorSamples.slice(0, 3).join("; ")}`)
  }
  return failures
}
