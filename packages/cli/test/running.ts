import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

/** A `hoard` child process, its stdout and stderr collected together. */
export interface Running {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
}

export const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Running => {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, output: () => output, exited }
}

export const waitFor = async (running: Running, pattern: RegExp, millis = 15_000): Promise<RegExpMatchArray> => {
  const deadline = Date.now() + millis
  while (Date.now() < deadline) {
    const match = running.output().match(pattern)
    if (match !== null) return match
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${pattern}; output so far:\n${running.output()}`)
}
