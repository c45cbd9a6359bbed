import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/** An OTLP/HTTP receiver on loopback that reads and discards every export, counting them. */
export interface OtlpSink {
  readonly url: string
  readonly exports: () => number
  readonly close: () => Promise<void>
}

export const startOtlpSink = async (): Promise<OtlpSink> => {
  let exports = 0
  const server = createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      exports++
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
