import { Context, Effect, Layer } from "effect"
import type { Namespace } from "../domain/Namespace.ts"
import type { UsageEvent } from "./UsageEvent.ts"

/** A usage event as recorded: what turbo sent, plus where and when it arrived. */
export interface RecordedUsageEvent extends UsageEvent {
  readonly namespace: Namespace
  readonly receivedAt: number
  readonly clientCi?: string
}

export interface EventSinkShape {
  readonly record: (events: ReadonlyArray<RecordedUsageEvent>) => Effect.Effect<void>
}

/** Where usage events go. The default keeps the most recent ones in memory. */
export class EventSink extends Context.Service<EventSink, EventSinkShape>()("@hoard/core/EventSink") {}

/** The in-memory sink: a bounded buffer of the most recent events, readable for tests and stats. */
export class MemoryEventSink extends Context.Service<MemoryEventSink, {
  readonly recent: Effect.Effect<ReadonlyArray<RecordedUsageEvent>>
}>()("@hoard/core/MemoryEventSink") {}

export const layerMemoryEventSink = (options: { readonly capacity?: number } = {}) => {
  const capacity = options.capacity ?? 10_000
  return Layer.effectContext(Effect.sync(() => {
    const buffer: Array<RecordedUsageEvent> = []
    const sink = EventSink.of({
      record: (events) =>
        Effect.sync(() => {
          buffer.push(...events)
          if (buffer.length > capacity) buffer.splice(0, buffer.length - capacity)
        })
    })
    const memory = MemoryEventSink.of({ recent: Effect.sync(() => buffer.slice()) })
    return Context.make(EventSink, sink).pipe(Context.add(MemoryEventSink, memory))
  }))
}
