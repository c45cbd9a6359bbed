import type { BackendDefinition, BackendId } from "../backend.ts"
import { azureBackend } from "./azure.ts"
import { fauxqsBackend } from "./fauxqs.ts"
import { gcsBackend } from "./gcs.ts"
import { radosgwBackend } from "./radosgw.ts"

export const backendDefinitions: Record<BackendId, BackendDefinition> = {
  gcs: gcsBackend,
  azure: azureBackend,
  "s3-fauxqs": fauxqsBackend,
  "s3-radosgw": radosgwBackend
}
