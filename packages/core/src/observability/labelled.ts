import { Metric } from "effect"

type Labels = Readonly<Record<string, string>>

/**
 * One metric per label set, made with its attributes once and reused.
 * `Metric.withAttributes` would instead add the attributes to the context on
 * every update, a context copy per request on the hot path. The series is
 * the same either way (name, description and attributes make its key).
 */
export const labelled = <I, S>(make: (attributes: Labels) => Metric.Metric<I, S>) => {
  const cache = new Map<string, Metric.Metric<I, S>>()
  return (attributes: Labels): Metric.Metric<I, S> => {
    const key = Object.values(attributes).join("\u0000")
    let found = cache.get(key)
    if (found === undefined) {
      found = make(attributes)
      cache.set(key, found)
    }
    return found
  }
}

/** An incremental counter, by label set. */
export const labelledCounter = (name: string, description: string) =>
  labelled((attributes) => Metric.counter(name, { description, incremental: true, attributes }))

/** A histogram, by label set. */
export const labelledHistogram = (name: string, description: string, boundaries: ReadonlyArray<number>) =>
  labelled((attributes) => Metric.histogram(name, { description, boundaries, attributes }))
