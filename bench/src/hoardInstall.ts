import { mkdtemp, rm } from "node:fs/promises"
import { join } from "node:path"
import { createInstalledProject } from "@hoard/e2e-install/installedProject"
import { currentNode } from "@hoard/e2e-install/nodeRuntime"
import { packPublicPackages } from "@hoard/e2e-install/workspace"
import { trackDirectory } from "./cleanup.ts"
import type { BenchConfig } from "./config.ts"
import { hoardBin } from "./servers.ts"

/** Which `hoard` the bench runs, and how to put it away afterwards. */
export interface HoardUnderTest {
  readonly bin: string
  /** What the report says it is. */
  readonly description: string
  readonly cleanup: () => Promise<void>
}

/**
 * The `hoard` to measure: `BENCH_HOARD_BIN` when set; else, by default, Hoard
 * as users run it: every public package built and packed (`scripts/pack.sh`),
 * `npm install`ed into a fresh project outside the workspace, its bin
 * (`node_modules/.bin/hoard`: one JavaScript bundle). `BENCH_HOARD_FROM=source`
 * runs this checkout's `packages/cli/src/bin.ts` instead, whose modules Node
 * loads one by one, stripping their types (slower start, about 80 MiB more
 * idle RSS: `pnpm bench:startup`).
 */
export const hoardUnderTest = async (
  { hoardBin: bin, hoardFrom }: Pick<BenchConfig, "hoardBin" | "hoardFrom">,
  directory: string,
  log: (line: string) => void
): Promise<HoardUnderTest> => {
  const nothing = () => Promise.resolve()
  if (bin !== undefined) return { bin, description: `${bin} (BENCH_HOARD_BIN)`, cleanup: nothing }
  if (hoardFrom === "source") {
    return { bin: hoardBin(), description: "this checkout's source, packages/cli/src/bin.ts (BENCH_HOARD_FROM=source)", cleanup: nothing }
  }
  log("packing the public packages and installing them into a fresh npm project (about a minute)")
  const packs = await mkdtemp(join(directory, "packs-"))
  try {
    const project = await createInstalledProject(currentNode(), await packPublicPackages(packs))
    const untrack = trackDirectory(project.dir)
    return {
      bin: join(project.dir, "node_modules/.bin/hoard"),
      description: "the installed package's bin, node_modules/.bin/hoard (packed from this checkout)",
      cleanup: () => project.cleanup().finally(untrack)
    }
  } finally {
    await rm(packs, { recursive: true, force: true })
  }
}
