import { defineProject } from "vitest/config"
import { radosgwMode } from "./test/radosgwMode.ts"

const radosgw = radosgwMode()
if (!radosgw.run) {
  console.warn(`storage-s3: the radosgw conformance suite is not part of this run: ${radosgw.reason}`)
}

export default defineProject({
  test: {
    name: "storage-s3",
    include: ["test/**/*.test.ts"],
    exclude: radosgw.run ? [] : ["test/radosgw/**"],
    globalSetup: ["test/globalSetup.ts"],
    env: { HOARD_TEST_RADOSGW: radosgw.run ? "1" : "0" }
  }
})
