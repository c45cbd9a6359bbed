import { startStandalone } from "./server.ts"

const tokens = (process.env["HOARD_TOKENS"] ?? "").split(",").filter(Boolean)
if (tokens.length === 0) {
  console.error("set HOARD_TOKENS to one or more comma-separated tokens")
  process.exit(1)
}

const server = await startStandalone({
  directory: process.env["HOARD_DIR"] ?? "./cache",
  port: Number(process.env["PORT"] ?? 3000),
  tokens
})
console.log(`Hoard listening on ${server.url}`)

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)))
}
