import { activityLogConformance, storageConformance } from "@hoard/storage-testkit"
import { tempFsStorage } from "./tempDirectory.ts"

storageConformance("FsStorage", tempFsStorage)

activityLogConformance("FsStorage", tempFsStorage)
