/**
 * Loaded into the server under soak with `node --import <this file>?out=<file>&every=<ms>`:
 * every `every` ms it appends one JSON line of what the process's memory is
 * made of (`process.memoryUsage()` and V8's heap statistics), which procfs
 * cannot tell: the V8 heap, memory outside it (Buffers), and malloc'ed memory.
 * With `gc=1` (and node's `--expose-gc`) it collects garbage first, so
 * `heapUsed` is the live heap. It never keeps the process alive.
 */
import { appendFileSync } from "node:fs"
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8"

export interface ProbeReading {
  /** ms since the epoch. */
  readonly at: number
  readonly rss: number
  readonly heapTotal: number
  readonly heapUsed: number
  /** Memory of objects outside the V8 heap that JS objects hold (Buffers included). */
  readonly external: number
  /** ArrayBuffers and Buffers: part of `external`. */
  readonly arrayBuffers: number
  /** What V8 itself has malloc'ed (outside the heap). */
  readonly mallocedMemory: number
  readonly nativeContexts: number
  readonly detachedContexts: number
  /** Per V8 heap space (new, old, code, large object...): committed and used bytes. */
  readonly spaces: Readonly<Record<string, { readonly size: number; readonly used: number }>>
}

const params = new URL(import.meta.url).searchParams
const out = params.get("out")
const every = Number(params.get("every") ?? "5000")
const collect = params.get("gc") === "1" ? (globalThis as { gc?: () => void }).gc : undefined

if (out !== null && out !== "" && every > 0) {
  const write = () => {
    collect?.()
    const memory = process.memoryUsage()
    const heap = getHeapStatistics()
    const reading: ProbeReading = {
      at: Date.now(),
      rss: memory.rss,
      heapTotal: memory.heapTotal,
      heapUsed: memory.heapUsed,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      mallocedMemory: heap.malloced_memory,
      nativeContexts: heap.number_of_native_contexts,
      detachedContexts: heap.number_of_detached_contexts,
      spaces: Object.fromEntries(
        getHeapSpaceStatistics().map((space) => [space.space_name, { size: space.space_size, used: space.space_used_size }])
      )
    }
    try {
      appendFileSync(out, `${JSON.stringify(reading)}\n`)
    } catch {
      // The soak's directory is gone: nothing to report to.
    }
  }
  write()
  setInterval(write, every).unref()
}
