import { readdir, stat } from "node:fs/promises"
import { join } from "node:path"

/** The bytes (apparent size) of every regular file below `directory`: artifacts, their headers and temp files alike. */
export const measureDirectory = async (directory: string): Promise<{ readonly bytes: number; readonly files: number }> => {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return []
    throw error
  })
  let bytes = 0
  let files = 0
  await Promise.all(entries.filter((entry) => entry.isFile()).map(async (entry) => {
    // A file may be evicted (or renamed into place) between the listing and the stat.
    const info = await stat(join(entry.parentPath, entry.name)).catch(() => undefined)
    if (info === undefined) return
    bytes += info.size
    files++
  }))
  return { bytes, files }
}

export interface DiskSample {
  /** Milliseconds since the sampler started. */
  readonly atMs: number
  readonly bytes: number
  readonly files: number
}

export interface DiskSampler {
  /** Takes one more sample now, stops, and returns every sample. */
  readonly stop: () => Promise<ReadonlyArray<DiskSample>>
}

/** Walks `directory` every `intervalMs` (one walk at a time: a slow walk delays the next). */
export const sampleDiskUse = (directory: string, intervalMs: number): DiskSampler => {
  const samples: Array<DiskSample> = []
  const started = performance.now()
  let stopped = false
  const take = async () => {
    const { bytes, files } = await measureDirectory(directory)
    samples.push({ atMs: performance.now() - started, bytes, files })
  }
  const loop = (async () => {
    while (!stopped) {
      const begin = performance.now()
      await take()
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (performance.now() - begin))))
    }
  })()
  return {
    stop: async () => {
      stopped = true
      await loop
      await take()
      return samples
    }
  }
}
