import { FsStorage } from "@hoard/storage-fs"
import { startHoardServer } from "@hoard/transport-node-http"

export interface StandaloneOptions {
  readonly directory: string
  readonly tokens: ReadonlyArray<string>
  readonly port?: number
}

/** Hoard on the local disk: the whole composition. */
export const startStandalone = ({ directory, port = 3000, tokens }: StandaloneOptions) =>
  startHoardServer({
    storage: FsStorage.layer({ directory }),
    tokens,
    port,
    host: "0.0.0.0",
    maxArtifactBytes: 1024 * 1024 * 1024
  })
