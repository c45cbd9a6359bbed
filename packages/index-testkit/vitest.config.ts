import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "index-testkit",
    include: ["test/**/*.test.ts"]
  }
})
