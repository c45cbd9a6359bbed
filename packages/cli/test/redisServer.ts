/**
 * A throwaway Redis server for tests, as `@hoard/index-testkit`'s
 * `startPostgres` is for PostgreSQL: `redis-server` on 127.0.0.1 and a free
 * port, its working directory a fresh temporary one, nothing saved (`--save ""
 * --appendonly no`). `stop()` (or, best effort, the test process's exit) kills
 * it and removes the directory.
 *
 * The binary is `HOARD_REDIS_SERVER`, else `redis-server` on the PATH, else
 * `/usr/bin/redis-server`. Missing, `startRedis` throws, saying to run
 * `scripts/install-redis.sh`: the tests that need it fail rather than skip.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { existsSync, rmSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { connect, createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** Kills the server (SIGKILL, as a crash): clients see refused connections. Its data is gone. */
  readonly kill: () => Promise<void>
  /** Starts it again on the same port, empty. */
  readonly start: () => Promise<void>
  /** Freezes it (SIGSTOP): connections stay open and commands hang, as in a network partition. */
  readonly pause: () => void
  readonly resume: () => void
  /** Kills it and deletes its directory. Safe to call twice. */
  readonly stop: () => Promise<void>
}

const installHint = "install it with `sudo scripts/install-redis.sh` (Debian/Ubuntu), or set HOARD_REDIS_SERVER to the redis-server binary"

/** The `redis-server` binary, or `undefined` when it is not installed. */
export const redisServerBinary = (): string | undefined => {
  const fromPath = (process.env["PATH"] ?? "").split(delimiter).filter((dir) => dir !== "").map((dir) => join(dir, "redis-server"))
  return [process.env["HOARD_REDIS_SERVER"], ...fromPath, "/usr/bin/redis-server"]
    .find((path): path is string => path !== undefined && path !== "" && existsSync(path))
}

export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")))
    })
  })

/** Whether something accepts connections on the port (and answers PING). */
const answersPing = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    const done = (answer: boolean) => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(500, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")))
  })

/** Children still running, killed if the test process exits without `stop()`; directories to remove. */
const running = new Set<ChildProcess>()
const directories = new Set<string>()
let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL")
    for (const dir of directories) rmSync(dir, { recursive: true, force: true })
  })
}

/** Starts a throwaway Redis server (well under a second). Call `stop()` when done. */
export const startRedis = async (): Promise<RedisServer> => {
  const binary = redisServerBinary()
  if (binary === undefined) throw new Error(`redis-server is not installed: ${installHint}`)
  installExitHook()
  const dir = await mkdtemp(join(tmpdir(), "hoard-redis-"))
  directories.add(dir)
  let port = 0
  let child: ChildProcess | undefined
  let output = ""

  const start = async (): Promise<void> => {
    if (child !== undefined) return
    output = ""
    const spawned = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    child = spawned
    running.add(spawned)
    spawned.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()))
    spawned.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
    let exited = false
    spawned.once("exit", () => {
      exited = true
      running.delete(spawned)
    })
    const deadline = Date.now() + 10_000
    while (!(await answersPing(port))) {
      if (exited || Date.now() > deadline) {
        child = undefined
        spawned.kill("SIGKILL")
        throw new Error(`redis-server did not start on 127.0.0.1:${port}:\n${output}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  const kill = async (): Promise<void> => {
    const current = child
    if (current === undefined) return
    child = undefined
    if (current.exitCode === null && current.signalCode === null) {
      const exited = new Promise((resolve) => current.once("exit", resolve))
      current.kill("SIGCONT")
      current.kill("SIGKILL")
      await exited
    }
  }

  const signal = (name: NodeJS.Signals) => () => {
    if (child === undefined) throw new Error("redis-server is not running")
    child.kill(name)
  }

  // A port found free may be taken before the server binds it: try another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      await start()
      break
    } catch (error) {
      if (attempt >= 5) {
        await rm(dir, { recursive: true, force: true })
        throw error
      }
    }
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    pause: signal("SIGSTOP"),
    resume: signal("SIGCONT"),
    stop: async () => {
      await kill()
      await rm(dir, { recursive: true, force: true })
      directories.delete(dir)
    }
  }
}
