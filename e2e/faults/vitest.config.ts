import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "e2e-faults",
    include: ["test/**/*.test.ts"],
    // Real processes killed and restarted, and a real file system filled up.
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
