import { connect, createServer } from "node:net"
import type { Socket } from "node:net"

/**
 * A TCP proxy in front of a backend that can be switched to "stalled": it
 * then accepts connections but never answers, like an overloaded or
 * black-holed backend.
 */
export interface TcpProxy {
  /** e.g. `http://127.0.0.1:41234` */
  readonly host: string
  /** Bytes received from clients so far. */
  readonly bytesFromClients: () => number
  /** Bytes received from the backend so far. */
  readonly bytesFromBackend: () => number
  /** From now on nothing is forwarded: open connections go silent, new ones are accepted and never answered. */
  readonly stall: () => void
  readonly close: () => Promise<void>
}

export const startProxy = async (target: string): Promise<TcpProxy> => {
  const { hostname, port } = new URL(target)
  const sockets = new Set<Socket>()
  const pairs = new Set<readonly [Socket, Socket]>()
  let stalled = false
  let fromClients = 0
  let fromBackend = 0
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on("error", () => {})
    socket.once("close", () => sockets.delete(socket))
  }
  const server = createServer((client) => {
    track(client)
    if (stalled) {
      client.on("data", () => {})
      return
    }
    const upstream = connect(Number(port), hostname)
    track(upstream)
    const pair = [client, upstream] as const
    pairs.add(pair)
    client.on("data", (chunk: Buffer) => (fromClients += chunk.byteLength))
    upstream.on("data", (chunk: Buffer) => (fromBackend += chunk.byteLength))
    client.pipe(upstream).pipe(client)
    client.once("close", () => {
      pairs.delete(pair)
      upstream.destroy()
    })
    upstream.once("close", () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address")
  return {
    host: `http://127.0.0.1:${address.port}`,
    bytesFromClients: () => fromClients,
    bytesFromBackend: () => fromBackend,
    stall: () => {
      stalled = true
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream)
        upstream.unpipe(client)
        // Keep reading and dropping, so that the client's writes do not push back.
        client.on("data", () => {})
        upstream.pause()
      }
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
