import type { HoardConfigOptions } from "@hoard/core"
import { MemoryStorage } from "@hoard/storage-memory"
import { startHoardServer } from "../../src/index.ts"
import type { Closeable, HoardServer, NodeServerOptions } from "../../src/index.ts"

export const tokens = ["limits-token-a-0123456789", "limits-token-b-0123456789"] as const

export type LimitedServer = HoardServer & Closeable

/** A real Hoard server on a free loopback port with the given limits. */
export const startServerWithLimits = (limits: HoardConfigOptions, options: NodeServerOptions = {}): Promise<LimitedServer> =>
  startHoardServer({ storage: MemoryStorage.layer(), tokens: [...tokens], port: 0, ...limits, ...options })
