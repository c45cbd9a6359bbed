import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect } from "vitest"
import { put, randomHash, randomTeam, sha256 } from "./client.ts"
import type { ServerUnderTest } from "./ServerUnderTest.ts"

export interface CliRun {
  /** Resolves with the server once it prints its URL, or rejects with its output if it exits first. */
  readonly server: Promise<ServerUnderTest>
  readonly exited: Promise<{ readonly code: number | null; readonly output: string }>
}

/**
 * Runs `hoard serve` as a child process from the CLI's bin file (passed by the
 * caller, so this kit does not depend on the CLI package). Unless `env` names
 * a `HOARD_DATA_DIR`, each run gets a fresh one (it holds the SQLite index).
 */
export const runHoardCli = (
  bin: string | URL,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
): CliRun => {
  const child = spawn(process.execPath, [bin instanceof URL ? bin.pathname : bin, "serve", ...args], {
    env: { PATH: process.env["PATH"] ?? "", HOARD_DATA_DIR: mkdtempSync(join(tmpdir(), "hoard-cli-data-")), ...env },
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

/**
 * Starts `hoard serve --storage <storage>`, uploads and downloads one artifact
 * through it, stops it, and checks the bytes came back and the exit was clean.
 */
export const expectCliServesStorage = async (
  bin: string | URL,
  storage: string,
  env: Record<string, string> = {}
): Promise<void> => {
  const token = `cli-${randomBytes(6).toString("hex")}`
  const run = runHoardCli(bin, ["--port", "0", "--token", token, "--storage", storage], env)
  const server = await run.server
  const body = randomBytes(300_000)
  const url = `${server.url}/v8/artifacts/${randomHash()}?slug=${randomTeam()}`
  const headers = { authorization: `Bearer ${token}` }
  expect((await put(url, body, headers)).status).toBe(202)
  const response = await fetch(url, { headers })
  expect(response.status).toBe(200)
  expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(body))
  await server.close()
  expect((await run.exited).code).toBe(0)
}

/** A PUT whose body is sent in two halves; `finish()` sends the second and resolves with the status. */
const slowUpload = (url: string, body: Uint8Array, headers: Record<string, string>) => {
  const half = Math.floor(body.byteLength / 2)
  let answered: (status: number | undefined) => void = () => undefined
  const status = new Promise<number | undefined>((resolve) => answered = resolve)
  const request = httpRequest(url, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/octet-stream", "content-length": String(body.byteLength) }
  }, (response) => {
    response.resume()
    answered(response.statusCode)
  })
  request.on("error", () => answered(undefined))
  request.write(body.subarray(0, half))
  return {
    finish: () => {
      request.end(body.subarray(half))
      return status
    }
  }
}

/**
 * The activity record survives a restart: `hoard serve --storage <storage>`
 * records turbo's usage events, a miss, and an upload that finishes after
 * SIGTERM (inside the shutdown grace period), is stopped, started again on the
 * same storage and data dir, and lists every one of those events.
 */
export const expectCliKeepsActivity = async (
  bin: string | URL,
  storage: string,
  env: Record<string, string> = {}
): Promise<void> => {
  const token = `cli-${randomBytes(6).toString("hex")}`
  const team = randomTeam()
  const hash = randomHash()
  const uploaded = randomHash()
  const sessionId = crypto.randomUUID()
  const headers = { authorization: `Bearer ${token}` }
  const args = ["--port", "0", "--token", token, "--storage", storage]
  const runEnv = { HOARD_DATA_DIR: mkdtempSync(join(tmpdir(), "hoard-cli-data-")), ...env }

  const first = runHoardCli(bin, args, runEnv)
  const before = await first.server
  const posted = await fetch(`${before.url}/v8/artifacts/events?slug=${team}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify([
      { sessionId, source: "LOCAL", event: "MISS", hash },
      { sessionId, source: "REMOTE", event: "HIT", hash, duration: 1234 }
    ])
  })
  expect(posted.status).toBe(200)
  expect((await fetch(`${before.url}/v8/artifacts/${hash}?slug=${team}`, { headers })).status).toBe(404)
  const upload = slowUpload(`${before.url}/v8/artifacts/${uploaded}?slug=${team}`, randomBytes(64 * 1024), headers)
  await new Promise((resolve) => setTimeout(resolve, 200))
  const closed = before.close()
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(await upload.finish()).toBe(202)
  await closed
  expect((await first.exited).code).toBe(0)

  const second = runHoardCli(bin, args, runEnv)
  const after = await second.server
  const listed = await fetch(`${after.url}/api/v1/teams/${team}/events`, { headers })
  expect(listed.status).toBe(200)
  const { events } = (await listed.json()) as {
    events: ReadonlyArray<{ event_type: string; data: { hash?: string; session_id?: string; duration_ms?: number } }>
  }
  expect(events.filter((event) => event.data.hash === hash).map((event) => event.event_type).sort())
    .toEqual(["artifact.missed", "usage.hit", "usage.miss"])
  expect(events.filter((event) => event.data.hash === uploaded).map((event) => event.event_type).sort())
    .toEqual(["artifact.upload_started", "artifact.uploaded"])
  expect(events.find((event) => event.event_type === "usage.hit")?.data).toMatchObject({
    session_id: sessionId,
    duration_ms: 1234
  })
  const record = await fetch(`${after.url}/api/v1/teams/${team}/artifacts/${uploaded}`, { headers })
  expect(record.status).toBe(200)
  expect(await record.json()).toMatchObject({ hash: uploaded, status: "success", size: 64 * 1024 })
  await after.close()
  expect((await second.exited).code).toBe(0)
}
