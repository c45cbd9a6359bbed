import { storageConformance } from "@hoard/storage-testkit"
import { tempFsStorage } from "./tempDirectory.ts"

storageConformance("FsStorage", tempFsStorage)
