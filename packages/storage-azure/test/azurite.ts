import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** Azurite's well-known development account. */
const accountName = "devstoreaccount1"
const accountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

const mainScript = fileURLToPath(new URL("../node_modules/azurite/dist/src/blob/main.js", import.meta.url))
const startTimeoutMs = 30_000

export const connectionStringFor = (port: number): string =>
  `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${accountKey};` +
  `BlobEndpoint=http://127.0.0.1:${port}/${accountName};`

export interface AzuriteOptions {
  /** Default 0: any free port. */
  readonly port?: number
  /** Keep data in this directory (survives a restart) instead of in memory. */
  readonly location?: string
}

export interface Azurite {
  readonly port: number
  readonly connectionString: string
  readonly process: ChildProcess
  /**
   * Sends `signal` (default SIGTERM), then waits for the process to exit.
   * SIGTERM is graceful: Azurite saves its data, but waits for requests in
   * flight (forever, for a download nobody reads). SIGKILL is a crash.
   */
  readonly stop: (signal?: NodeJS.Signals) => Promise<void>
}

/** Starts Azurite's blob service on 127.0.0.1 and waits for its "successfully listens on" line. */
export const startAzurite = (options: AzuriteOptions = {}): Promise<Azurite> =>
  new Promise((resolve, reject) => {
    const storage = options.location === undefined
      ? ["--inMemoryPersistence", "--extentMemoryLimit", "1024"]
      : ["--location", options.location]
    const child = spawn(process.execPath, [
      mainScript,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(options.port ?? 0),
      ...storage,
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--silent"
    ], { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        // A stopped (SIGSTOP) process would not act on SIGTERM until continued.
        child.kill("SIGCONT")
        child.kill(signal)
      }
      await exited
    }
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`Azurite did not start within ${startTimeoutMs} ms:\n${output}`))
    }, startTimeoutMs)
    const onOutput = (data: Buffer) => {
      output += data.toString()
      const port = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/u.exec(output)?.[1]
      if (port !== undefined) {
        clearTimeout(timer)
        child.stdout.off("data", onOutput)
        child.stdout.resume()
        resolve({ port: Number(port), connectionString: connectionStringFor(Number(port)), process: child, stop })
      }
    }
    child.stdout.on("data", onOutput)
    child.stderr.on("data", (data: Buffer) => {
      output += data.toString()
    })
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`Azurite exited (${code ?? signal}) before listening:\n${output}`))
    })
  })

/** A fresh temporary directory for an on-disk Azurite, and its removal. */
export const temporaryLocation = async (): Promise<{ readonly path: string; readonly remove: () => Promise<void> }> => {
  const path = await mkdtemp(join(tmpdir(), "hoard-azurite-"))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}
