import { fileURLToPath } from "node:url"
import { startListeningProcess } from "@hoard/e2e-turbo/hoardProcess"
import type { ListeningProcess } from "@hoard/e2e-turbo/hoardProcess"

const hoardBin = fileURLToPath(new URL("../../../packages/cli/src/bin.ts", import.meta.url))

export interface HoardCliOptions {
  readonly storageDir: string
  readonly dataDir: string
  readonly token: string
  /** A command line the server is started under, e.g. `unshare …` (the server's own arguments follow it). */
  readonly wrapper?: ReadonlyArray<string>
}

/** `hoard serve` on a free loopback port with fs storage in `storageDir`; the same dirs can be served again after a crash. */
export const startHoardCli = (options: HoardCliOptions): Promise<ListeningProcess> => {
  // No size budget: on the suite's small private disks the default one (half the free space) would answer
  // 507 before the disk is full, and these tests are about what the disk itself does.
  const server = [
    process.execPath, hoardBin, "serve", "--port", "0", "--storage", options.storageDir, "--data-dir", options.dataDir,
    "--token", options.token, "--max-size", "none"
  ]
  const [command, ...args] = [...(options.wrapper ?? []), ...server]
  return startListeningProcess({ command: command!, args, cwd: options.dataDir }, 60_000)
}
