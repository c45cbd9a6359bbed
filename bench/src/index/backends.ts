import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
// @hoard/index-testkit is not a bench dependency: its PostgreSQL helper is imported by path.
import { startPostgres } from "../../../packages/index-testkit/src/postgres.ts"

export type BackendKind = "sqlite" | "postgres"

export const backendLabel: Record<BackendKind, string> = { sqlite: "SQLite", postgres: "PostgreSQL" }

/** A fresh, empty index for one backend: the `--index` value, and how to get rid of it. */
export interface IndexBackend {
  readonly kind: BackendKind
  readonly spec: string
  /** What the report says about it, e.g. the PostgreSQL version. */
  readonly description: string
  readonly stop: () => Promise<void>
}

/** A new SQLite file under `directory` (Hoard creates it). */
const sqliteBackend = (directory: string): IndexBackend => {
  mkdirSync(join(directory, "index"), { recursive: true })
  const file = join(directory, "index", "hoard.db")
  return { kind: "sqlite", spec: `sqlite:${file}`, description: `sqlite ${file}`, stop: async () => undefined }
}

/**
 * A throwaway PostgreSQL server on 127.0.0.1 (initdb in a temp directory,
 * fsync off; run as `nobody` when this process is root) with a new database.
 * Its directory goes under `tmpRoot`: the bench's own temp directory is
 * root-only, and the server's user must reach its data directory.
 */
const postgresBackend = async (tmpRoot: string): Promise<IndexBackend> => {
  const server = await startPostgres({ database: "hoard_bench_index", baseDir: tmpRoot })
  const removeOnExit = removeAtExit(server.dataDir)
  const stop = async () => {
    await server.stop()
    process.removeListener("exit", removeOnExit)
  }
  try {
    const version = await server.psql("SHOW server_version").catch(() => "unknown")
    return {
      kind: "postgres",
      spec: server.url,
      description: `PostgreSQL ${version} on 127.0.0.1:${server.port} (${server.bindir}, fsync off)`,
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * When the bench exits without stopping the server (a signal, the watchdog),
 * the testkit's own exit hook sends it SIGQUIT and removes its directory at
 * once, which can fail while the server is still writing there. This hook
 * runs after it: it makes sure of the SIGQUIT, waits (synchronously, at most
 * 5 s) until the postmaster is gone, then removes the directory.
 */
const removeAtExit = (dataDir: string): (() => void) => {
  let pid = 0
  try {
    pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])
  } catch {
    // not running: nothing to wait for
  }
  const hook = () => {
    if (pid > 0 && isAlive(pid)) {
      try {
        process.kill(pid, "SIGQUIT")
        process.kill(pid, "SIGCONT")
      } catch {
        // gone meanwhile
      }
      const sleeper = new Int32Array(new SharedArrayBuffer(4))
      for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 50) Atomics.wait(sleeper, 0, 0, 50)
    }
    rmSync(dirname(dataDir), { recursive: true, force: true, maxRetries: 3 })
  }
  process.once("exit", hook)
  return hook
}

export const startBackend = (kind: BackendKind, directory: string, tmpRoot: string): Promise<IndexBackend> =>
  kind === "sqlite" ? Promise.resolve(sqliteBackend(directory)) : postgresBackend(tmpRoot)
