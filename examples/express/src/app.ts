import express from "express"
import { FsStorage } from "@hoard/storage-fs"
import { createHoardHandler } from "@hoard/transport-node-http"

/** An existing Express app that gains a Turborepo remote cache under /cache. */
export const createApp = async (options: { readonly directory: string; readonly tokens: ReadonlyArray<string> }) => {
  const hoard = await createHoardHandler({ storage: FsStorage.layer({ directory: options.directory }), tokens: options.tokens })
  const app = express()

  // Mount Hoard before any body parser: it streams request bodies itself.
  // Express strips "/cache" from req.url, so TURBO_API=http://host:port/cache.
  app.use("/cache", hoard.handler)

  app.use(express.json())
  app.get("/health", (_request, response) => void response.json({ ok: true }))
  app.post("/api/echo", (request, response) => void response.json({ echo: request.body }))

  return { app, close: hoard.close }
}
