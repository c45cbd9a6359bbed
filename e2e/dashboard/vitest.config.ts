import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "e2e-dashboard",
    include: ["test/**/*.test.ts"],
    // One Chromium and one Hoard at a time: a 2-core machine runs them without timing out.
    fileParallelism: false,
    // Real turbo runs, a real Hoard process and a real Chromium, on a possibly loaded machine.
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
