import { storageConformance } from "@hoard/storage-testkit"
import { inject } from "vitest"
import { GcsStorage } from "../src/index.ts"
import { gcsCorruptions } from "./support/corruptions.ts"

const bucket = "hoard-conformance"
const gcsStorage = GcsStorage.layer({ bucket, prefix: "ci/cache", emulatorHost: inject("gcsEmulatorHost") })

storageConformance("gcs", gcsStorage, { corruptions: gcsCorruptions(bucket, "ci/cache") })
