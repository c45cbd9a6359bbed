import { spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** A firebase-tools Storage emulator running as a child process. */
export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:43123` */
  readonly host: string
  readonly port: number
  /** Stops the process (SIGTERM, then SIGKILL) and removes its TMPDIR. */
  readonly stop: () => Promise<void>
}

const launcher = fileURLToPath(new URL("./gcs-emulator.mjs", import.meta.url))
const readyTimeoutMs = 30_000

/** Starts an emulator on 127.0.0.1 (on `port`, or a free one) with a TMPDIR of its own, and waits until it answers. */
export const startEmulator = async (port = 0): Promise<RunningEmulator> => {
  const dataDir = await mkdtemp(join(tmpdir(), "hoard-gcs-emulator-"))
  const child = spawn(process.execPath, [launcher, String(port)], {
    env: { ...process.env, TMPDIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text))
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000)
      await exited
      clearTimeout(killer)
    }
    await rm(dataDir, { recursive: true, force: true })
  }

  try {
    const host = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the GCS emulator did not start within ${readyTimeoutMs} ms`)), readyTimeoutMs)
      child.stdout.setEncoding("utf8").on("data", (text: string) => {
        output += text
        const ready = /GCS_EMULATOR_READY (\S+)/u.exec(output)
        if (ready?.[1] !== undefined) {
          clearTimeout(timer)
          resolve(ready[1])
        }
      })
      child.once("exit", (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`the GCS emulator exited (${code ?? signal}) before it was ready:\n${output}`))
      })
    })
    const response = await fetch(`${host}/b`)
    if (response.status !== 200) throw new Error(`the GCS emulator answered GET /b with ${response.status}`)
    return { host, port: Number(new URL(host).port), stop }
  } catch (error) {
    await stop()
    throw error
  }
}
