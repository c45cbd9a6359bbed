import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

interface Running {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
}

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Running => {
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

const waitFor = async (running: Running, pattern: RegExp, millis = 15_000): Promise<RegExpMatchArray> => {
  const deadline = Date.now() + millis
  while (Date.now() < deadline) {
    const match = running.output().match(pattern)
    if (match !== null) return match
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${pattern}; output so far:\n${running.output()}`)
}

describe("hoard serve", () => {
  it("starts on fs storage with a generated token, prints the turbo lines, and stops cleanly on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const first = run(["serve", "--port", "0", "--data-dir", dataDir])
    const [, url] = await waitFor(first, /TURBO_API=(\S+)/)
    const [, token] = await waitFor(first, /TURBO_TOKEN=(\S+)/)
    expect(first.output()).toContain(`storage: fs ${join(dataDir, "artifacts")}`)
    expect(readFileSync(join(dataDir, "token"), "utf8").trim()).toBe(token)
    expect(statSync(join(dataDir, "token")).mode & 0o777).toBe(0o600)

    const put = await fetch(`${url}/v8/artifacts/abc123?slug=cli`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "x-artifact-duration": "9" },
      body: "artifact bytes"
    })
    expect(put.status).toBe(202)
    first.child.kill("SIGTERM")
    expect(await first.exited).toBe(0)

    // A restart keeps the token and the artifacts.
    const second = run(["serve", "--port", "0", "--data-dir", dataDir])
    const [, url2] = await waitFor(second, /TURBO_API=(\S+)/)
    expect((await waitFor(second, /TURBO_TOKEN=(\S+)/))[1]).toBe(token)
    const get = await fetch(`${url2}/v8/artifacts/abc123?slug=cli`, { headers: { authorization: `Bearer ${token}` } })
    expect(await get.text()).toBe("artifact bytes")
    second.child.kill("SIGINT")
    expect(await second.exited).toBe(0)
  })

  it("takes tokens from HOARD_TOKENS and does not print them", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const running = run(["serve", "--port", "0", "--data-dir", dataDir, "--storage", "memory"], { HOARD_TOKENS: "alpha-token,beta-token" })
    const [, url] = await waitFor(running, /TURBO_API=(\S+)/)
    expect(running.output()).not.toContain("alpha-token")
    expect(running.output()).toContain("storage: memory")
    for (const token of ["alpha-token", "beta-token"]) {
      const status = await fetch(`${url}/v8/artifacts/status`, { headers: { authorization: `Bearer ${token}` } })
      expect(status.status).toBe(200)
    }
    running.child.kill("SIGTERM")
    expect(await running.exited).toBe(0)
  })

  it.each([
    [["--storage", "ftp://nope"], /unsupported storage "ftp:\/\/nope"/],
    [["--max-artifact-size", "lots"], /invalid max artifact size "lots"/],
    [["--port", "http"], /port/i],
    [["--log-level", "chatty"], /invalid log level "chatty"/]
  ] as const)("rejects bad config %j with a clear message and exit code 1", async (args, message) => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const running = run(["serve", "--port", "0", "--data-dir", dataDir, ...args])
    expect(await running.exited).toBe(1)
    expect(running.output()).toMatch(message)
    expect(running.output()).not.toMatch(/\n\s+at /)
  })

  it("names the bad field of a config file", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const config = join(dataDir, "hoard.config.json")
    writeFileSync(config, JSON.stringify({ port: "three thousand" }))
    const running = run(["serve", "--config", config, "--data-dir", dataDir])
    expect(await running.exited).toBe(1)
    expect(running.output()).toContain(config)
    expect(running.output()).toContain("port")
  })

  it("says so when the port is taken", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hoard-cli-"))
    const first = run(["serve", "--port", "0", "--data-dir", dataDir, "--storage", "memory"])
    const [, port] = await waitFor(first, /TURBO_API=http:\/\/127\.0\.0\.1:(\d+)/)
    const second = run(["serve", "--port", port!, "--data-dir", dataDir, "--storage", "memory"])
    expect(await second.exited).toBe(1)
    expect(second.output()).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`))
    first.child.kill("SIGTERM")
    await first.exited
  })
})
