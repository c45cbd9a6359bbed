import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expectCliKeepsActivity } from "@hoard/transport-testkit"
import { describe, it } from "vitest"

const bin = new URL("../src/bin.ts", import.meta.url)

describe("hoard serve on fs storage", () => {
  it("keeps the activity record across a restart", () =>
    expectCliKeepsActivity(bin, mkdtempSync(join(tmpdir(), "hoard-cli-activity-"))))
})
