import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // The soak runs on its own after the rest (scripts/test.sh): beside the
    // whole suite the machine's load would be what it measures.
    projects: ["packages/*", "examples/*", "e2e/*", "!e2e/soak"],
    reporters: ["default", "./scripts/summary-reporter.ts"]
  }
})
