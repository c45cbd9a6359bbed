import { MemoryStorage } from "@hoard/storage-memory"
import { storageConformance } from "@hoard/storage-testkit"

storageConformance("MemoryStorage", MemoryStorage.layer({ maxBytes: 64 * 1024 * 1024 }))
