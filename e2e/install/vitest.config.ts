import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "e2e-install",
    include: ["test/**/*.test.ts"],
    // Packing, `npm install` from the registry and real turbo runs.
    testTimeout: 180_000,
    hookTimeout: 600_000
  }
})
