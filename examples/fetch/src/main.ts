import { serve } from "srvx"
import { createHoard } from "./hoard.ts"

const hoard = createHoard((process.env["HOARD_TOKENS"] ?? "change-me").split(","))
await hoard.ready()
const server = serve({ fetch: hoard.fetch, port: Number(process.env["PORT"] ?? 3000) })
await server.ready()
console.log(`Hoard (fetch handler) listening on ${server.url}`)
