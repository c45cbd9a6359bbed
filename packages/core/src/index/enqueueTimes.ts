/**
 * When the writes of a FIFO queue were enqueued, without stamping each write:
 * writes are numbered 0, 1, 2... in enqueue order, and a mark says "the
 * writes up to number `end` (exclusive) arrived by `time`". Marks less than
 * `resolutionMs` apart are merged (keeping the earlier time), so a busy queue
 * adds a few marks a second, not one per enqueue; `timeOf` forgets the marks
 * before the number it is asked about, so asking about the oldest write still
 * queued keeps the marks bounded by what is queued.
 */
export interface EnqueueTimes {
  /** Writes were enqueued at `now`, the last of them numbered `total - 1`. */
  readonly mark: (total: number, now: number) => void
  /** When write number `n` was enqueued (up to `resolutionMs` early, never late); undefined when not marked. */
  readonly timeOf: (n: number) => number | undefined
}

export const makeEnqueueTimes = (resolutionMs = 100): EnqueueTimes => {
  const ends: Array<number> = []
  const times: Array<number> = []
  let head = 0
  return {
    mark: (total, now) => {
      const last = ends.length - 1
      if (last >= head && now - times[last]! < resolutionMs) ends[last] = total
      else {
        ends.push(total)
        times.push(now)
      }
    },
    timeOf: (n) => {
      while (head < ends.length && ends[head]! <= n) head++
      // Forgotten marks are cut off now and then, not on every call.
      if (head >= 1024 && head * 2 >= ends.length) {
        ends.splice(0, head)
        times.splice(0, head)
        head = 0
      }
      return times[head]
    }
  }
}
