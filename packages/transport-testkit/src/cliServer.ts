import { spawn } from "node:child_process"
import type { ServerUnderTest } from "./ServerUnderTest.ts"

export interface CliRun {
  /** Resolves with the server once it prints its URL, or rejects with its output if it exits first. */
  readonly server: Promise<ServerUnderTest>
  readonly exited: Promise<{ readonly code: number | null; readonly output: string }>
}

/**
 * Runs `hoard serve` as a child process from the CLI's bin file (passed by the
 * caller, so this kit does not depend on the CLI package).
 */
export const runHoardCli = (
  bin: string | URL,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
): CliRun => {
  const child = spawn(process.execPath, [bin instanceof URL ? bin.pathname : bin, "serve", ...args], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, output }))
  )
  const server = new Promise<ServerUnderTest>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const url = /TURBO_API=(\S+)/.exec(output)?.[1]
      if (url !== undefined) {
        resolve({
          url,
          close: async () => {
            child.kill("SIGTERM")
            await exited
          }
        })
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    void exited.then(({ code }) => reject(new Error(`hoard serve exited with ${code} before listening:\n${output}`)))
  })
  // Callers that only expect a failed start never await `server`.
  server.catch(() => undefined)
  return { server, exited }
}
