import type { TestProject } from "vitest/node"
import { startAzurite } from "./azurite.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the Azurite instance shared by this package's tests. */
    readonly azuriteConnectionString: string
  }
}

/** One in-memory Azurite for the whole test run; tests that stop the backend start their own. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite()
  project.provide("azuriteConnectionString", azurite.connectionString)
  return () => azurite.stop()
}
