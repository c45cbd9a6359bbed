import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks"
import { Effect, Layer, Metric, Schedule } from "effect"
import { IndexWriter } from "../index/IndexWriter.ts"
import { indexQueueDepth, indexWriteLag } from "./metrics.ts"

/**
 * The process figures (named as prom-client names them, so existing Node
 * dashboards read them) and the index writer's queue, sampled every few
 * seconds by one background fiber: nothing on the request path.
 */

const residentMemory = Metric.gauge("process_resident_memory_bytes", { description: "Resident memory (RSS)" })
const heapUsed = Metric.gauge("nodejs_heap_size_used_bytes", { description: "V8 heap in use" })
const heapTotal = Metric.gauge("nodejs_heap_size_total_bytes", { description: "V8 heap reserved" })
const externalMemory = Metric.gauge("nodejs_external_memory_bytes", { description: "Memory of C++ objects bound to JavaScript (Buffers)" })
const cpuSeconds = Metric.counter("process_cpu_seconds_total", { description: "User and system CPU time", incremental: true })
const eventLoopDelay = Metric.gauge("nodejs_eventloop_delay_seconds", {
  description: "Event-loop delay over the last sampling interval, by quantile (0.5, 0.99, 1 = max)"
})
const eventLoopP50 = Metric.withAttributes(eventLoopDelay, { quantile: "0.5" })
const eventLoopP99 = Metric.withAttributes(eventLoopDelay, { quantile: "0.99" })
const eventLoopMax = Metric.withAttributes(eventLoopDelay, { quantile: "1" })
const gcDuration = Metric.histogram("nodejs_gc_duration_seconds", {
  description: "Garbage collection pauses, by kind",
  boundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
})
const gcKinds: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb" }
const gcByKind = new Map(
  [...Object.values(gcKinds), "other"].map((kind) => [kind, Metric.withAttributes(gcDuration, { kind })] as const)
)

export interface SampledGaugesOptions {
  /** How often the gauges are read. Default 5 seconds. */
  readonly interval?: number
}

/** Runs the sampler for as long as the layer's scope is open. */
export const layer = (options: SampledGaugesOptions = {}): Layer.Layer<never, never, IndexWriter> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const writer = yield* IndexWriter
    // The observer's callback runs outside any fiber: it updates the registry of the layer's context.
    const context = yield* Effect.context<never>()
    const delay = monitorEventLoopDelay({ resolution: 20 })
    delay.enable()
    const gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = gcKinds[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? "other"
        gcByKind.get(kind)!.updateUnsafe(entry.duration / 1000, context)
      }
    })
    gc.observe({ entryTypes: ["gc"] })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        delay.disable()
        gc.disconnect()
      })
    )
    let cpu = process.cpuUsage()
    const sample = Effect.gen(function*() {
      const memory = process.memoryUsage()
      const cpuNow = process.cpuUsage()
      const status = yield* writer.status
      yield* Effect.all([
        Metric.update(residentMemory, memory.rss),
        Metric.update(heapUsed, memory.heapUsed),
        Metric.update(heapTotal, memory.heapTotal),
        Metric.update(externalMemory, memory.external),
        Metric.update(cpuSeconds, (cpuNow.user - cpu.user + cpuNow.system - cpu.system) / 1e6),
        Metric.update(eventLoopP50, delay.percentile(50) / 1e9),
        Metric.update(eventLoopP99, delay.percentile(99) / 1e9),
        Metric.update(eventLoopMax, delay.max / 1e9),
        Metric.update(indexQueueDepth, status.queued),
        Metric.update(indexWriteLag, status.oldestQueuedAt === undefined ? 0 : Math.max(0, Date.now() - status.oldestQueuedAt) / 1000)
      ], { discard: true })
      cpu = cpuNow
      delay.reset()
    })
    yield* Effect.forkScoped(Effect.repeat(sample, Schedule.spaced(options.interval ?? 5000)))
  }))
