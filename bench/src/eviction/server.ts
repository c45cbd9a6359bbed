/**
 * The server of `pnpm bench:eviction`: Hoard embedded in a small Node program
 * (the composition `hoard serve` runs: fs storage, an SQLite index, one plain
 * token for every team, or with `--team` one configured team and the token
 * admin on it), with or without a whole-cache size budget. `hoard
 * serve` has no setting for the evictor's interval (10 s), which the bench
 * sets, so it starts this instead, as a child process.
 *
 *   node server.ts --storage <dir> --index <file> --token <token> [--team <slug>] [--max-size <bytes> --interval-ms <ms>]
 *
 * Prints `Hoard is listening on <url>`; SIGINT or SIGTERM closes it (exit 0).
 * The adapters are not dependencies of the bench: they are imported by path.
 */
import { parseArgs } from "node:util"
import type { Namespace } from "../../../packages/core/src/index.ts"
import { SqliteIndex } from "../../../packages/index-sql/src/index.ts"
import { FsStorage } from "../../../packages/storage-fs/src/index.ts"
import { startHoardServer } from "../../../packages/transport-node-http/src/index.ts"

const { values } = parseArgs({
  options: {
    storage: { type: "string" },
    index: { type: "string" },
    token: { type: "string" },
    team: { type: "string" },
    "max-size": { type: "string" },
    "interval-ms": { type: "string" }
  },
  strict: true
})

const required = (name: "storage" | "index" | "token"): string => {
  const value = values[name]
  if (value === undefined) throw new Error(`eviction server: --${name} is required`)
  return value
}

const team = values.team
const maxSize = values["max-size"]
const interval = values["interval-ms"]
const hoard = await startHoardServer({
  storage: FsStorage.layer({ directory: required("storage") }),
  index: SqliteIndex.layer({ filename: required("index") }),
  ...(team === undefined
    ? { tokens: [required("token")] }
    : { access: { teams: [{ id: `team_${team}` as Namespace, slug: team }], tokens: [{ name: "bench", token: required("token"), teams: { "*": "admin" } }] } }),
  retention: {
    ...(maxSize !== undefined && { maxSizeBytes: Number(maxSize) }),
    ...(interval !== undefined && { interval: Number(interval) })
  },
  port: 0
})
console.log(`Hoard is listening on ${hoard.url}`)

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    hoard.close().then(() => process.exit(0), (error: unknown) => {
      console.error(error)
      process.exit(1)
    })
  })
}
