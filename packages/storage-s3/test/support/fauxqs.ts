import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"

const serverScript = fileURLToPath(new URL("./fauxqsServer.ts", import.meta.url))

export interface FauxqsProcess {
  readonly port: number
  readonly endpoint: string
  readonly stop: () => Promise<void>
  /** SIGSTOP / SIGCONT: the server keeps its connections but stops answering. */
  readonly pause: () => void
  readonly resume: () => void
}

export interface FauxqsOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number
  /** Keep objects in this directory, so that they survive a restart. */
  readonly storageDir?: string
}

/** Starts fauxqs in a child process and waits until it accepts requests. */
export const startFauxqs = async (options: FauxqsOptions = {}): Promise<FauxqsProcess> => {
  const args = [serverScript, String(options.port ?? 0), ...(options.storageDir === undefined ? [] : [options.storageDir])]
  const child = spawn(process.execPath, args, {
    env: { ...process.env, FAUXQS_LOGGER: "false" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("fauxqs did not start within 20 s")), 20_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill("SIGKILL")
      reject(new Error(`${error.message}\n${output}`))
    }
    child.stdout!.on("data", (data: Buffer) => {
      output += data.toString()
      const match = /listening (\d+)/u.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
    child.stderr!.on("data", (data: Buffer) => {
      output += data.toString()
    })
    const onExit = (code: number | null) => fail(new Error(`fauxqs exited with code ${code} before it was ready`))
    child.once("exit", onExit)
    child.once("error", fail)
  }).finally(() => child.removeAllListeners("exit"))
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => stopChild(child),
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT")
  }
}

const stopChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, "exit")
  child.kill("SIGCONT")
  child.kill("SIGTERM")
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
  await exited
  clearTimeout(timer)
}
