import { randomBytes } from "node:crypto"
import { Storage } from "@google-cloud/storage"
import { inject } from "vitest"
import type { GcsStorageOptions } from "../../src/index.ts"

/** The emulator started by the global setup. */
export const emulatorHost = (): string => inject("gcsEmulatorHost")

/** A fresh bucket name: the emulator creates buckets on first use. */
export const freshBucket = (): string => `hoard-test-${randomBytes(6).toString("hex")}`

/** Options for the shared emulator. */
export const emulatorOptions = (options: Partial<GcsStorageOptions> = {}): GcsStorageOptions => ({
  bucket: freshBucket(),
  emulatorHost: emulatorHost(),
  ...options
})

/** A plain SDK client on the emulator, to look at what the adapter stored. */
export const rawClient = (host = emulatorHost()): Storage => new Storage({ apiEndpoint: host, projectId: "demo-hoard" })
