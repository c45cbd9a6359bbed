import { connect } from "node:net"
import type { Socket } from "node:net"
import type { LoadResult } from "./loadResult.ts"
import { artifactPath, benchToken } from "./protocol.ts"

/**
 * HEAD misses over raw keep-alive sockets, one request in flight per socket.
 * (autocannon cannot be used here: its response parser does not know a HEAD
 * answer has no body, so it waits for the bytes its Content-Length announces.)
 * A HEAD answer ends at its blank line, which makes parsing trivial.
 */
export interface HeadMissSpec {
  readonly baseUrl: string
  readonly connections: number
  readonly durationSeconds: number
  /** A hash no server holds, different for every request. */
  readonly missingHash: (sequence: number) => string
  /** The status a miss must get. */
  readonly expectedStatus?: number
}

export const runHeadMissLoad = async (spec: HeadMissSpec): Promise<LoadResult> => {
  const base = new URL(spec.baseUrl)
  const expected = String(spec.expectedStatus ?? 404)
  const requestFor = (sequence: number) =>
    Buffer.from(
      `HEAD ${artifactPath(spec.missingHash(sequence))} HTTP/1.1\r\nHost: ${base.host}\r\n` +
        `Authorization: Bearer ${benchToken}\r\nUser-Agent: turbo 2.11.11\r\nAccept: */*\r\n\r\n`,
      "latin1"
    )
  let sequence = 0
  let requests = 0
  let errors = 0
  let firstError: string | undefined
  const fail = (message: string) => {
    errors++
    firstError ??= message
  }
  const started = performance.now()
  const deadline = started + spec.durationSeconds * 1000

  const connection = () =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect({ host: base.hostname, port: Number(base.port) })
      let pending = ""
      let finished = false
      const finish = () => {
        if (finished) return
        finished = true
        socket.destroy()
        resolve()
      }
      const sendNext = () => {
        if (performance.now() >= deadline) return finish()
        socket.write(requestFor(sequence++))
      }
      socket.setNoDelay(true)
      socket.once("connect", sendNext)
      socket.setEncoding("latin1")
      socket.on("data", (data: string) => {
        pending += data
        let end = pending.indexOf("\r\n\r\n")
        while (end !== -1) {
          const status = pending.slice(9, 12)
          pending = pending.slice(end + 4)
          if (status === expected) requests++
          else fail(`HEAD answered ${status}, expected ${expected}`)
          end = pending.indexOf("\r\n\r\n")
          if (end === -1 && pending === "") sendNext()
        }
      })
      socket.once("error", (error) => {
        fail(error.message)
        finish()
      })
      socket.once("close", () => {
        if (!finished && performance.now() < deadline) fail("the server closed a connection")
        finish()
      })
    })

  await Promise.all(Array.from({ length: spec.connections }, connection))
  return { requests, bytes: 0, seconds: (performance.now() - started) / 1000, errors, firstError }
}
