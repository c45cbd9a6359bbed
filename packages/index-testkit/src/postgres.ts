/**
 * A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary
 * directory, then `pg_ctl start` on 127.0.0.1 and a free port, with fsync off (commits are still
 * written to the OS before they are acknowledged).
 * Nothing listens beyond loopback and nothing is left behind by `stop()` (nor,
 * best effort, when the test process exits without calling it).
 *
 * The binaries come from `HOARD_PG_BINDIR`, else `pg_config --bindir`, else
 * the newest `/usr/lib/postgresql/<version>/bin`, else the `initdb` on the
 * PATH. PostgreSQL refuses to run as root: when this process is root the
 * server runs as an unprivileged user (`nobody` unless told otherwise), owning
 * the temporary directory.
 */
import { execFile, execFileSync } from "node:child_process"
import type { ExecFileOptions } from "node:child_process"
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs"
import { chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, dirname, join } from "node:path"
import { Context, Data, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { afterAll, beforeAll } from "vitest"

export interface StartPostgresOptions {
  /** Directory holding `initdb`, `pg_ctl`, `postgres` and `psql`; default: found as described above. */
  readonly bindir?: string
  /** OS user the server runs as when this process is root; default `nobody`. Ignored otherwise. */
  readonly user?: string
  /**
   * Password of the `postgres` superuser. Without one, loopback connections are
   * trusted (the server listens on 127.0.0.1 only); with one, they need it
   * (scram-sha-256) and `url` carries it.
   */
  readonly password?: string
  /** A database to create and point `url` at; default `postgres` (always there). */
  readonly database?: string
  /** Extra server settings (`postgresql.conf` lines: name → value). */
  readonly settings?: Readonly<Record<string, string | number>>
  /** Where the temporary directory is made; default `os.tmpdir()`. */
  readonly baseDir?: string
}

/** A running (or stopped, see `stopServer`) throwaway PostgreSQL server. */
export interface PostgresServer {
  /** `postgres://postgres[:password]@127.0.0.1:<port>/<database>`. */
  readonly url: string
  readonly host: "127.0.0.1"
  readonly port: number
  readonly user: "postgres"
  readonly password: string | undefined
  readonly database: string
  readonly bindir: string
  /** The data directory (inside the temporary directory). */
  readonly dataDir: string
  /** The URL of another database of this server. */
  readonly urlFor: (database: string) => string
  /** Creates a database (a random name by default) and returns its URL. */
  readonly createDatabase: (name?: string) => Promise<string>
  /** Runs SQL with `psql` (unaligned, tuples only) and returns its output, trimmed. */
  readonly psql: (sql: string, database?: string) => Promise<string>
  /**
   * Stops the server and keeps its data: clients see refused connections (a
   * database down mid-traffic). `fast` (default) ends sessions cleanly;
   * `immediate` is a crash (recovery on the next start).
   */
  readonly stopServer: (mode?: "fast" | "immediate") => Promise<void>
  /** Starts the stopped server again: same data directory, same port. */
  readonly startServer: () => Promise<void>
  /** `stopServer()` then `startServer()`. */
  readonly restart: (mode?: "fast" | "immediate") => Promise<void>
  /**
   * Freezes the server and every session (SIGSTOP): connections and queries hang
   * instead of failing, as with a network partition. Linux only. `resume` undoes it.
   */
  readonly pause: () => Promise<void>
  readonly resume: () => Promise<void>
  /** Whether the server is running (not stopped; a paused server is running). */
  readonly isRunning: () => boolean
  /** Stops the server and deletes its directory. Safe to call twice. */
  readonly stop: () => Promise<void>
}

/** PostgreSQL's server binaries were not found, or the server did not start. */
export class PostgresStartError extends Data.TaggedError("PostgresStartError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

const installHint =
  "install it with `sudo scripts/install-postgres.sh` (Debian/Ubuntu), or set HOARD_PG_BINDIR to the directory holding initdb"

const serverBinaries = ["initdb", "pg_ctl", "postgres"] as const

const hasServerBinaries = (dir: string): boolean =>
  serverBinaries.every((binary) => existsSync(join(dir, binary)))

const pgConfigBindir = (): string | undefined => {
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return undefined
  }
}

const versionOf = (name: string): number => Number.parseFloat(name) || 0

const debianBindirs = (): Array<string> => {
  const root = "/usr/lib/postgresql"
  try {
    return readdirSync(root)
      .sort((a, b) => versionOf(b) - versionOf(a))
      .map((version) => join(root, version, "bin"))
  } catch {
    return []
  }
}

const pathBindir = (): string | undefined => {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "" || !existsSync(join(dir, "initdb"))) continue
    try {
      const real = dirname(realpathSync(join(dir, "initdb")))
      if (hasServerBinaries(real)) return real
    } catch {
      // a dangling link: keep looking
    }
  }
  return undefined
}

/**
 * The directory of PostgreSQL's server binaries, or `undefined` when it is not
 * installed (e.g. to skip a suite: `describe.skipIf(postgresBindir() === undefined)`).
 */
export const postgresBindir = (): string | undefined => {
  const candidates = [process.env["HOARD_PG_BINDIR"], pgConfigBindir(), ...debianBindirs(), pathBindir()]
  return candidates.find((dir): dir is string => dir !== undefined && dir !== "" && hasServerBinaries(dir))
}

interface RunAs {
  readonly uid: number
  readonly gid: number
}

const idOf = (user: string, flag: "-u" | "-g"): number =>
  Number(execFileSync("id", [flag, user], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim())

const runAsFor = (user: string): RunAs | undefined => {
  if (process.getuid?.() !== 0) return undefined
  try {
    return { uid: idOf(user, "-u"), gid: idOf(user, "-g") }
  } catch (cause) {
    throw new PostgresStartError({
      message: `this process is root and PostgreSQL refuses to run as root, but the user ${user} to run it as does not exist`,
      cause
    })
  }
}

interface Output {
  readonly stdout: string
  readonly stderr: string
}

const run = (file: string, args: ReadonlyArray<string>, options: ExecFileOptions & { readonly timeout: number }) =>
  new Promise<Output>((resolve, reject) => {
    execFile(file, args, { ...options, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error === null) resolve({ stdout: String(stdout), stderr: String(stderr) })
      else reject(Object.assign(error, { stdout: String(stdout), stderr: String(stderr) }))
    })
  })

const outputOf = (error: unknown): string => {
  const { message, stderr, stdout } = error as { message?: string; stderr?: string; stdout?: string }
  return [message, stderr, stdout].filter((part) => part !== undefined && part.trim() !== "").join("\n").trim()
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))
      )
    })
  })

const quoteConf = (value: string | number): string =>
  typeof value === "number" ? String(value) : `'${value.replaceAll("'", "''")}'`

const identifier = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

/**
 * Servers still running (data dir → pid file) and directories not yet removed:
 * killed and deleted synchronously if the process exits without `stop()`.
 */
const running = new Map<string, string>()
const directories = new Set<string>()
let exitHookInstalled = false
const installExitHook = (): void => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    const pids: Array<number> = []
    for (const pidFile of running.values()) {
      try {
        const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0])
        if (!(pid > 0)) continue
        // Immediate shutdown; SIGCONT in case it was paused (its sessions too, or it waits for them).
        for (const child of childrenOf(pid)) process.kill(child, "SIGCONT")
        process.kill(pid, "SIGQUIT")
        process.kill(pid, "SIGCONT")
        pids.push(pid)
      } catch {
        // not running
      }
    }
    // Only synchronous work is possible here: wait (a little) for the servers to go, then delete.
    const deadline = Date.now() + 5000
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    while (pids.some(alive) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
    for (const dir of directories) {
      try {
        rmSync(dir, { recursive: true, force: true })
      } catch {
        // best effort
      }
    }
  })
}

const childrenOf = (pid: number): Array<number> => {
  const children: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/u.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      // pid (comm) state ppid ...; comm may hold spaces and parentheses
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      if (ppid === pid) children.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return children
}

/**
 * Starts a throwaway PostgreSQL server (about 1–3 s). Throws a
 * {@link PostgresStartError} when PostgreSQL is not installed (saying to run
 * `scripts/install-postgres.sh`) or does not start. Call `stop()` when done.
 */
export const startPostgres = async (options: StartPostgresOptions = {}): Promise<PostgresServer> => {
  const bindir = options.bindir ?? postgresBindir()
  if (bindir === undefined || !hasServerBinaries(bindir)) {
    throw new PostgresStartError({
      message: `PostgreSQL is not installed (no initdb, pg_ctl and postgres found${
        bindir === undefined ? "" : ` in ${bindir}`
      }): ${installHint}`
    })
  }
  const psqlBinary = existsSync(join(bindir, "psql")) ? join(bindir, "psql") : "psql"
  const runAs = runAsFor(options.user ?? "nobody")
  installExitHook()
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), "hoard-pg-"))
  directories.add(dir)
  const dataDir = join(dir, "data")
  const logFile = join(dir, "postgres.log")
  const confFile = join(dataDir, "hoard.conf")
  const env = { ...process.env, HOME: dir, LC_ALL: "C", LANG: "C", PGTZ: "UTC" }
  const asServer = { cwd: dir, env, ...(runAs === undefined ? {} : runAs) }
  const password = options.password
  const database = options.database ?? "postgres"
  let port = 0
  let started = false
  let removed = false

  const pgCtl = (args: ReadonlyArray<string>, timeout = 90_000) =>
    run(join(bindir, "pg_ctl"), ["-D", dataDir, ...args], { ...asServer, timeout })

  const logTail = async (): Promise<string> => {
    const log = await readFile(logFile, "utf8").catch(() => "")
    return log.split("\n").slice(-30).join("\n")
  }

  const writeConf = () =>
    writeFile(
      confFile,
      [
        "# written by @hoard/index-testkit: a throwaway test server, speed over durability against a",
        "# machine crash (fsync off); a commit is still written before it is acknowledged, so a",
        "# killed server (`stopServer(\"immediate\")`) keeps every acknowledged write, as a real one does",
        `listen_addresses = '127.0.0.1'`,
        `port = ${port}`,
        `unix_socket_directories = ${quoteConf(dir)}`,
        "fsync = off",
        "full_page_writes = off",
        "max_connections = 200",
        "timezone = 'UTC'",
        ...Object.entries(options.settings ?? {}).map(([name, value]) => `${name} = ${quoteConf(value)}`),
        ""
      ].join("\n")
    ).then(() => runAs === undefined ? undefined : chown(confFile, runAs.uid, runAs.gid))

  const startServer = async (): Promise<void> => {
    if (removed) throw new PostgresStartError({ message: "this PostgreSQL server was removed by stop()" })
    if (started) return
    try {
      await pgCtl(["-l", logFile, "-w", "-t", "60", "start"])
    } catch (error) {
      throw new PostgresStartError({
        message: `PostgreSQL did not start on 127.0.0.1:${port}: ${outputOf(error)}\n${await logTail()}`,
        cause: error
      })
    }
    started = true
    running.set(dir, join(dataDir, "postmaster.pid"))
  }

  const stopServer = async (mode: "fast" | "immediate" = "fast"): Promise<void> => {
    if (!started) return
    await resume().catch(() => undefined)
    await pgCtl(["-m", mode, "-w", "-t", "60", "stop"])
    started = false
    running.delete(dir)
  }

  const postmasterPid = async (): Promise<number> => {
    const pid = Number((await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0])
    if (!(pid > 0)) throw new Error("no postmaster.pid")
    return pid
  }

  let paused = false
  const pause = async (): Promise<void> => {
    if (!started || paused) return
    const pid = await postmasterPid()
    process.kill(pid, "SIGSTOP") // first, so that it forks no new session meanwhile
    for (const child of childrenOf(pid)) process.kill(child, "SIGSTOP")
    paused = true
  }
  const resume = async (): Promise<void> => {
    if (!paused) return
    const pid = await postmasterPid()
    for (const child of childrenOf(pid)) process.kill(child, "SIGCONT")
    process.kill(pid, "SIGCONT")
    paused = false
  }

  const urlFor = (name: string): string =>
    `postgres://postgres${password === undefined ? "" : `:${encodeURIComponent(password)}`}@127.0.0.1:${port}/${
      encodeURIComponent(name)
    }`

  const psql = async (sql: string, db = "postgres"): Promise<string> => {
    const { stdout } = await run(
      psqlBinary,
      ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", db, "-c", sql],
      { env: { ...env, ...(password === undefined ? {} : { PGPASSWORD: password }) }, timeout: 60_000 }
    )
    return stdout.trim()
  }

  const createDatabase = async (name = `hoard_${Math.random().toString(36).slice(2, 12)}`): Promise<string> => {
    await psql(`CREATE DATABASE ${identifier(name)}`)
    return urlFor(name)
  }

  const stop = async (): Promise<void> => {
    if (removed) return
    try {
      await stopServer("immediate")
    } catch {
      // removed below anyway; the exit hook kills a server that survived
      const pid = await postmasterPid().catch(() => 0)
      if (pid > 0) process.kill(pid, "SIGQUIT")
    }
    removed = true
    running.delete(dir)
    await rm(dir, { recursive: true, force: true })
    directories.delete(dir)
  }

  try {
    if (runAs !== undefined) await chown(dir, runAs.uid, runAs.gid)
    let pwArgs: Array<string> = ["--auth=trust"]
    if (password !== undefined) {
      const pwFile = join(dir, "pwfile")
      await writeFile(pwFile, `${password}\n`, { mode: 0o600 })
      if (runAs !== undefined) await chown(pwFile, runAs.uid, runAs.gid)
      pwArgs = ["--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwFile}`]
    }
    try {
      await run(
        join(bindir, "initdb"),
        ["-D", dataDir, "-U", "postgres", "--encoding=UTF8", "--locale=C", "--no-sync", ...pwArgs],
        { ...asServer, timeout: 120_000 }
      )
    } catch (error) {
      const hint = runAs === undefined ? "" : ` (as root the server runs as ${options.user ?? "nobody"}, who must reach ${dir})`
      throw new PostgresStartError({ message: `initdb failed in ${dataDir}${hint}: ${outputOf(error)}`, cause: error })
    }
    await writeFile(join(dataDir, "postgresql.conf"), "\ninclude 'hoard.conf'\n", { flag: "a" })
    // A port found free may be taken before the server binds it: try another.
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      await writeConf()
      try {
        await startServer()
        break
      } catch (error) {
        const busy = /could not bind|address already in use/iu.test(String((error as Error).message))
        if (!busy || attempt >= 5) throw error
        await rm(logFile, { force: true })
      }
    }
    if (database !== "postgres") await createDatabase(database)
  } catch (error) {
    await stop().catch(() => undefined)
    throw error
  }

  return {
    get url() {
      return urlFor(database)
    },
    host: "127.0.0.1",
    get port() {
      return port
    },
    user: "postgres",
    password,
    database,
    bindir,
    dataDir,
    urlFor,
    createDatabase,
    psql,
    stopServer,
    startServer,
    restart: async (mode) => {
      await stopServer(mode)
      await startServer()
    },
    pause,
    resume,
    isRunning: () => started,
    stop
  }
}

/** A throwaway PostgreSQL server for the life of the current scope. */
export const postgresServer = (
  options?: StartPostgresOptions
): Effect.Effect<PostgresServer, PostgresStartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startPostgres(options),
      catch: (cause) =>
        cause instanceof PostgresStartError
          ? cause
          : new PostgresStartError({ message: `PostgreSQL did not start: ${String(cause)}`, cause })
    }),
    (server) => Effect.promise(() => server.stop())
  )

/** A throwaway PostgreSQL server as a service: `TestPostgres.layer()` starts it and stops it with the layer. */
export class TestPostgres extends Context.Service<TestPostgres, PostgresServer>()("@hoard/index-testkit/TestPostgres") {
  static readonly layer = (options?: StartPostgresOptions): Layer.Layer<TestPostgres, PostgresStartError> =>
    Layer.effect(TestPostgres, postgresServer(options))
}

/** The server `usePostgres` starts: read its properties in tests, hooks or layer constructors, not at collection. */
export interface PostgresHandle {
  /** The running server; throws when read before `beforeAll` ran. */
  readonly server: PostgresServer
  /** `server.url`. */
  readonly url: string
}

/**
 * Starts a throwaway PostgreSQL server in `beforeAll` of the current file or
 * `describe` block and removes it in `afterAll`. Since the URL is known only
 * once the server runs, read it lazily, e.g. from the `makeLayer` thunk given
 * to `cacheIndexConformance` (called when the suite's layer is built, after
 * this hook):
 *
 * ```ts
 * const pg = usePostgres()
 * cacheIndexConformance("PgIndex", () => PgIndex.layer({ url: pg.url }))
 * ```
 */
export const usePostgres = (options?: StartPostgresOptions): PostgresHandle => {
  let server: PostgresServer | undefined
  beforeAll(async () => {
    server = await startPostgres(options)
  }, 180_000)
  afterAll(async () => {
    await server?.stop()
    server = undefined
  }, 60_000)
  const current = (): PostgresServer => {
    if (server === undefined) throw new Error("usePostgres: the server is not running (read it in a test or a hook)")
    return server
  }
  return {
    get server() {
      return current()
    },
    get url() {
      return current().url
    }
  }
}
