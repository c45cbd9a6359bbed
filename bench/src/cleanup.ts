import { rmSync } from "node:fs"

/**
 * Last-resort cleanup: whatever the run leaves behind (child processes, temp
 * directories) is registered here, and released on normal exit, on Ctrl-C and
 * on a crash. The normal path releases things itself and unregisters them.
 */

/** The part of a ChildProcess that cleanup needs. */
export interface Killable {
  readonly kill: (signal: NodeJS.Signals) => boolean
}

const processes = new Set<Killable>()
const directories = new Set<string>()

export const trackProcess = (child: Killable) => {
  processes.add(child)
  return () => void processes.delete(child)
}

export const trackDirectory = (directory: string) => {
  directories.add(directory)
  return () => void directories.delete(directory)
}

/** Synchronous, so it can run inside an `exit` handler. */
export const cleanUpNow = (): void => {
  for (const child of processes) {
    try {
      child.kill("SIGKILL")
    } catch {
      // already gone
    }
  }
  processes.clear()
  for (const directory of directories) {
    try {
      rmSync(directory, { recursive: true, force: true })
    } catch (error) {
      process.stderr.write(`could not remove ${directory}: ${String(error)}\n`)
    }
  }
  directories.clear()
}

/** Installs the exit and signal handlers once. */
export const installCleanupHandlers = (): void => {
  process.on("exit", cleanUpNow)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping servers and removing temp files\n`)
      cleanUpNow()
      process.exit(130)
    })
  }
}
