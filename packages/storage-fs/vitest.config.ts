import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "storage-fs",
    include: ["test/**/*.test.ts"]
  }
})
