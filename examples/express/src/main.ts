import { createApp } from "./app.ts"

const { app, close } = await createApp({
  directory: process.env["HOARD_DIR"] ?? "./cache",
  tokens: (process.env["HOARD_TOKENS"] ?? "change-me").split(",")
})
const port = Number(process.env["PORT"] ?? 3000)
const server = app.listen(port, () => console.log(`app on http://localhost:${port}, Hoard at http://localhost:${port}/cache`))

process.once("SIGTERM", () => server.close(() => void close()))
