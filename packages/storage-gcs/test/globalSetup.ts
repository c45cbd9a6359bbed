import type { TestProject } from "vitest/node"
import { startEmulator } from "./emulator/EmulatorProcess.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** The shared Storage emulator, e.g. `http://127.0.0.1:43123`. */
    readonly gcsEmulatorHost: string
  }
}

/** One Storage emulator for the whole test run; tests isolate themselves by bucket and namespace. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startEmulator()
  project.provide("gcsEmulatorHost", emulator.host)
  return emulator.stop
}
