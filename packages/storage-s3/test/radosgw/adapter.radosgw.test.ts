import { inject } from "vitest"
import { adapterSuite } from "../support/adapterSuite.ts"
import { radosgwBucket } from "../support/TestBucket.ts"

// With the SDK's default checksum settings (CRC32 on every part): the
// conformance suite covers the WHEN_REQUIRED settings the README recommends.
adapterSuite("Ceph radosgw (SDK default checksums)", radosgwBucket(inject("radosgwEndpoint"), {}))
