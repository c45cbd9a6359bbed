import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "e2e-buildtools",
    include: ["test/**/*.test.ts"],
    // Each test drives several real client builds against a real Hoard process.
    testTimeout: 300_000,
    hookTimeout: 120_000
  }
})
