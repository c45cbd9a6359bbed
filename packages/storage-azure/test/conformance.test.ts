import { AzureStorage } from "@hoard/storage-azure"
import { storageConformance } from "@hoard/storage-testkit"
import { inject } from "vitest"
import { azureCorruptions } from "./corruptions.ts"

const connectionString = inject("azuriteConnectionString")

// A small listing page: listing the suite's 30+ namespaces takes several pages.
const azureStorage = AzureStorage.layer({
  container: "conformance",
  prefix: "hoard",
  credentials: { connectionString },
  createContainer: true,
  listPageSize: 10
})

storageConformance("AzureStorage", azureStorage, { corruptions: azureCorruptions(connectionString, "conformance", "hoard/") })

// Tiny blocks: every artifact above 64 KiB takes the staged-blocks path (Put Block + Put Block List).
storageConformance(
  "AzureStorage with staged blocks",
  AzureStorage.layer({
    container: "conformance-staged",
    credentials: { connectionString },
    createContainer: true,
    blockSize: 64 * 1024,
    maxConcurrency: 3
  }),
  { largeArtifactBytes: 4 * 1024 * 1024, corruptions: azureCorruptions(connectionString, "conformance-staged", "") }
)
