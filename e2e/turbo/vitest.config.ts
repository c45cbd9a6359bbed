import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "e2e-turbo",
    include: ["test/**/*.test.ts"],
    // Each test drives several real `turbo run`s against a real Hoard process.
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
