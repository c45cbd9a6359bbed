import { connect } from "node:net"
import type { Socket } from "node:net"

/** A raw TCP connection to the server, for clients `fetch` cannot play: trickling, stalling, pausing. */
export interface RawConnection {
  readonly socket: Socket
  /** Everything the server sent so far. */
  readonly received: () => Buffer
  /** Resolves when the server (or we) closed the connection, with the milliseconds since it opened. */
  readonly closed: Promise<number>
}

export const openConnection = async (url: string): Promise<RawConnection> => {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port) })
  const opened = performance.now()
  const chunks: Array<Buffer> = []
  socket.on("data", (chunk: Buffer) => chunks.push(chunk))
  socket.on("error", () => {})
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(performance.now() - opened)))
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve)
    socket.once("error", reject)
  })
  return { socket, received: () => Buffer.concat(chunks), closed }
}

/** The head of a request with a body of `contentLength` bytes. */
export const requestHead = (method: string, path: string, headers: Readonly<Record<string, string>>): string =>
  `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n`

/** The status code of the first response the server sent, if any. */
export const statusOf = (received: Buffer): number | undefined => {
  const match = /^HTTP\/1\.1 (\d{3})/u.exec(received.toString("latin1"))
  return match === null ? undefined : Number(match[1])
}

/** Resolves with `promise`'s value, or `undefined` after `millis`. */
export const within = <A>(promise: Promise<A>, millis: number): Promise<A | undefined> =>
  Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), millis).unref())])
