import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FsStorage } from "@hoard/storage-fs"
import { protocolSuite } from "@hoard/transport-testkit"
import { createHoardHandler, startHoardServer } from "../src/index.ts"

const storage = () => FsStorage.layer({ directory: mkdtempSync(join(tmpdir(), "hoard-node-http-")) })

protocolSuite("node-http standalone server", async (options) => {
  const server = await startHoardServer({ ...options, port: 0 })
  return { url: server.url, close: server.close }
}, { storage })

protocolSuite("node-http handler inside http.createServer", async (options) => {
  const hoard = await createHoardHandler(options)
  const host = createServer((request, response) => {
    if (request.url === "/health") return void response.end("host ok")
    hoard.handler(request, response, () => {
      response.statusCode = 404
      response.end("not hoard's")
    })
  })
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve))
  const { port } = host.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ""}`,
    close: async () => {
      await new Promise((resolve) => host.close(resolve))
      await hoard.close()
    }
  }
}, { storage })
