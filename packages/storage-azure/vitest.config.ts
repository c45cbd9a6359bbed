import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "storage-azure",
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/globalSetup.ts"]
  }
})
