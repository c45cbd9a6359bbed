import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "e2e-soak",
    include: ["test/**/*.test.ts"],
    // One 200 s soak of a real `hoard serve`, plus its start and idle time (about 3.5 minutes).
    testTimeout: 360_000,
    hookTimeout: 60_000
  }
})
