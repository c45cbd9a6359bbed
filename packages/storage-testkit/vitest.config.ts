import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "storage-testkit",
    include: ["test/**/*.test.ts"]
  }
})
