import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { adapterSuite } from "./support/adapterSuite.ts"
import { fauxqsBucket } from "./support/TestBucket.ts"

const storageDir = mkdtempSync(join(tmpdir(), "hoard-fauxqs-"))
afterAll(() => rmSync(storageDir, { recursive: true, force: true }))

adapterSuite("fauxqs", fauxqsBucket(storageDir))
