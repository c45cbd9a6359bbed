/** Trends of a sampled series: how fast a process's memory grows. */
import { median } from "../stats.ts"

export interface Point {
  /** Seconds since the start of the run. */
  readonly t: number
  readonly value: number
}

/** Ordinary least squares: the slope of the best line, in value per second. NaN below two points. */
export const leastSquaresSlope = (points: ReadonlyArray<Point>): number => {
  const n = points.length
  if (n < 2) return Number.NaN
  const meanT = points.reduce((sum, p) => sum + p.t, 0) / n
  const meanV = points.reduce((sum, p) => sum + p.value, 0) / n
  let covariance = 0
  let variance = 0
  for (const p of points) {
    covariance += (p.t - meanT) * (p.value - meanV)
    variance += (p.t - meanT) ** 2
  }
  return variance === 0 ? Number.NaN : covariance / variance
}

/**
 * Theil–Sen: the median of the slopes between every pair of points. A GC
 * cycle or an upload in flight moves one sample by megabytes; up to ~29 % of
 * such outliers do not move this estimate, where they tilt least squares.
 */
export const theilSenSlope = (points: ReadonlyArray<Point>): number => {
  const slopes: Array<number> = []
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.t - points[i]!.t
      if (dt !== 0) slopes.push((points[j]!.value - points[i]!.value) / dt)
    }
  }
  return median(slopes)
}
