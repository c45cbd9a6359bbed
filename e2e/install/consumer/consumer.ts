// A TypeScript app on the published API only: it is type-checked (strict,
// nodenext) against the .d.ts files in the installed tarballs.
import { createServer } from "node:http"
import { Effect, Layer, Schema } from "effect"
import { ArtifactHash, ArtifactStorage, Hoard, StorageError } from "@hoard/core"
import type { ArtifactStorageShape, HoardServices } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { FsStorage } from "@hoard/storage-fs"
import type { FsStorageOptions } from "@hoard/storage-fs"
import { createHoardFetch } from "@hoard/transport-fetch"
import type { HoardFetch } from "@hoard/transport-fetch"
import { createHoardHandler, makeNodeHandler } from "@hoard/transport-node-http"
import type { NodeRequestHandler } from "@hoard/transport-node-http"

const fsOptions: FsStorageOptions = { directory: "./cache" }

// The promise API, mounted in a plain node:http server.
const hoard = await createHoardHandler({ storage: FsStorage.layer(fsOptions), tokens: ["change-me"] })
const handler: NodeRequestHandler = hoard.handler
createServer((request, response) => handler(request, response))

// The fetch handler.
const fetchHoard: HoardFetch = createHoardFetch({
  storage: FsStorage.layer(fsOptions),
  index: SqliteIndex.layer({ filename: ":memory:" }),
  tokens: ["change-me"]
})
const response: Promise<Response> = fetchHoard.fetch(new Request("http://localhost/v8/artifacts/status"))

// The Effect API: Hoard's services as a layer, the Node handler built from them.
const services: Layer.Layer<HoardServices, unknown> = Hoard.layer({
  storage: FsStorage.layer(fsOptions),
  index: SqliteIndex.layer({ filename: "./hoard.db" }),
  tokens: ["change-me"]
})
const program = Effect.scoped(makeNodeHandler({ basePath: "/cache" })).pipe(Effect.provide(services))
const built: Effect.Effect<NodeRequestHandler, unknown> = program

// A storage adapter of one's own implements the port.
const readStatus = Effect.gen(function*() {
  const storage: ArtifactStorageShape = yield* ArtifactStorage
  return storage
})
const hash: ArtifactHash = Schema.decodeUnknownSync(ArtifactHash)("0123456789abcdef")
const fault = new StorageError({ message: "bucket unreachable", operation: "get" })

// @ts-expect-error the options are typed: a directory is a string
FsStorage.layer({ directory: 42 })

export { built, fault, hash, readStatus, response }
