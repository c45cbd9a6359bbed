// An existing Express app that gains a Turborepo remote cache under /cache.
import express from "express"
import { FsStorage } from "@hoard/storage-fs"
import { createHoardHandler } from "@hoard/transport-node-http"

const hoard = await createHoardHandler({
  storage: FsStorage.layer({ directory: process.env.HOARD_DIR ?? "./cache" }),
  tokens: (process.env.HOARD_TOKENS ?? "change-me").split(",")
})

const app = express()
// Mount Hoard before any body parser: it streams request bodies itself.
// Express strips "/cache" from req.url, so TURBO_API=http://host:port/cache.
app.use("/cache", hoard.handler)
app.get("/health", (_request, response) => void response.json({ ok: true }))

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () =>
  console.log(`Hoard is listening on http://127.0.0.1:${server.address().port}/cache`)
)
process.once("SIGTERM", () => server.close(() => void hoard.close()))
