import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "index-sql",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000
  }
})
