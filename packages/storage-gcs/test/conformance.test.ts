import { storageConformance } from "@hoard/storage-testkit"
import { inject } from "vitest"
import { GcsStorage } from "../src/index.ts"

const gcsStorage = GcsStorage.layer({ bucket: "hoard-conformance", prefix: "ci/cache", emulatorHost: inject("gcsEmulatorHost") })

storageConformance("gcs", gcsStorage)
