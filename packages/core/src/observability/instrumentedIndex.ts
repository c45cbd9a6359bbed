import { Effect, Layer } from "effect"
import { CacheIndex } from "../index/CacheIndex.ts"
import type { CacheIndexShape } from "../index/CacheIndex.ts"
import { withChildSpan } from "./spans.ts"

/**
 * Runs every cache index call in a span named after it (`index.listArtifacts`,
 * `index.write`, ...): under a management request's span, or on its own for
 * the writer's batches and the background loops. Members that are not
 * effects (streams, values) are passed through.
 */
export const instrumentIndex = (index: CacheIndexShape): CacheIndexShape => {
  const instrumented: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(index)) {
    const spanName = `index.${name}`
    instrumented[name] = typeof member === "function"
      ? (...args: Array<unknown>) => {
        const result = (member as (...args: Array<unknown>) => unknown)(...args)
        return Effect.isEffect(result) ? withChildSpan(result, spanName) : result
      }
      : Effect.isEffect(member)
      ? withChildSpan(member, spanName)
      : member
  }
  return instrumented as unknown as CacheIndexShape
}

/** The index in context, instrumented. */
export const layerInstrumented = <E, R>(index: Layer.Layer<CacheIndex, E, R>): Layer.Layer<CacheIndex, E, R> =>
  Layer.effect(CacheIndex, Effect.map(Effect.service(CacheIndex), instrumentIndex)).pipe(Layer.provide(index))
