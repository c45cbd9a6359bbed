// Child process entry: runs fauxqs (it always binds 0.0.0.0; the tests only
// send it loopback traffic) and prints `listening <port>` once it accepts requests.
import { startFauxqs } from "fauxqs"

const port = Number(process.argv[2] ?? "0")
const storageDir = process.argv[3]
const server = await startFauxqs({ port, logger: false, ...(storageDir === undefined ? {} : { s3StorageDir: storageDir }) })
process.stdout.write(`listening ${server.port}\n`)
const stop = () => void server.stop().finally(() => process.exit(0))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
