import { execFile } from "node:child_process"
import { access } from "node:fs/promises"
import { dirname, join } from "node:path"
import { promisify } from "node:util"
import { workspaceRoot } from "./workspace.ts"

const run = promisify(execFile)

/**
 * The oldest Node the packages claim (`engines`: >=22.16.0, where `node:sqlite`
 * has what the SQLite index uses). Installed from the npm registry like Node 24.
 */
export const oldestSupportedNode = "22.16.0"

export interface NodeRuntime {
  readonly version: string
  /** The directory holding this Node's `node` executable: put first on PATH. */
  readonly binDir: string
}

/** The Node running the tests (the repository's Node 24). */
export const currentNode = (): NodeRuntime => ({ version: process.versions.node, binDir: dirname(process.execPath) })

/** Node `version` from the npm registry, installed once into `.tools/node-<version>`. */
export const installedNode = async (version: string): Promise<NodeRuntime> => {
  const prefix = join(workspaceRoot, ".tools", `node-${version}`)
  const binDir = join(prefix, "node_modules", ".bin")
  const installed = await access(join(binDir, "node")).then(() => true, () => false)
  if (!installed) {
    await run("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", `node@${version}`])
  }
  const { stdout } = await run(join(binDir, "node"), ["--version"])
  if (stdout.trim() !== `v${version}`) throw new Error(`${binDir}/node is ${stdout.trim()}, not v${version}`)
  return { version, binDir }
}

/** The environment that runs `node`, `npm` and `npx` on `runtime`. */
export const pathWith = (runtime: NodeRuntime): string => `${runtime.binDir}:${process.env["PATH"] ?? ""}`
