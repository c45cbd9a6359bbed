import { afterAll, beforeAll, expect } from "vitest"
import { startHoard } from "./hoardProcess.ts"
import type { HoardOptions, HoardProcess } from "./hoardProcess.ts"

/** How long Hoard may take to shut down gracefully after SIGTERM. */
const shutdownTimeoutMillis = 5_000

/**
 * One Hoard process for the calling test file: started in `beforeAll`, stopped
 * with SIGTERM in `afterAll`, where it must exit with code 0 (graceful shutdown).
 * Returns an accessor for the running process.
 */
export const useHoardServer = (options: HoardOptions = {}): (() => HoardProcess) => {
  let hoard: HoardProcess | undefined
  beforeAll(async () => {
    hoard = await startHoard(options)
  })
  afterAll(async () => {
    if (hoard === undefined) return
    try {
      const exit = await hoard.stop(shutdownTimeoutMillis)
      expect(exit, `hoard exit after SIGTERM; its output:\n${hoard.output()}`).toEqual({ code: 0, signal: null })
    } finally {
      await hoard.cleanup()
    }
  })
  return () => {
    if (hoard === undefined) throw new Error("hoard is not running (did beforeAll fail?)")
    return hoard
  }
}
