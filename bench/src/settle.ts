import { execFile } from "node:child_process"
import { setTimeout as sleep } from "node:timers/promises"

/**
 * Between measurements: after uploads, flush dirty pages to disk (`sync`), so
 * that writeback left by one server's uploads is not paid during the next
 * measurement, which is often the other server's. Then a short pause.
 */
export const settle = async ({ flush = true, pauseMs = 200 }: { readonly flush?: boolean; readonly pauseMs?: number } = {}): Promise<void> => {
  if (flush) await new Promise<void>((resolve) => execFile("sync", () => resolve()))
  await sleep(pauseMs)
}
