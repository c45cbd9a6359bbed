import { writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { startChildServer } from "../childServer.ts"
import type { ChildServer } from "../childServer.ts"
import { benchToken } from "../protocol.ts"
import type { RunningBackend } from "./backend.ts"

/** The `hoard` bin of the @hoard/cli dependency (packages/cli/src/bin.ts). */
const hoardBin = (): string => join(dirname(fileURLToPath(import.meta.resolve("@hoard/cli"))), "bin.ts")

/** A dotenv file for `node --env-file`; values are double-quoted, so `;` and `=` in them are kept. */
const envFileText = (env: Readonly<Record<string, string>>): string =>
  Object.entries(env)
    .map(([name, value]) => {
      if (/["\n\\]/u.test(value)) throw new Error(`${name} cannot go in an env file: it contains a quote, backslash or newline`)
      return `${name}="${value}"\n`
    })
    .join("")

/**
 * `hoard serve` on the backend's storage URL, as a user starts it, with the
 * environment the adapter's README documents. The variables reach Hoard
 * through `node --env-file`; Node lets variables already set in this
 * process's environment win, so a differing one is reported.
 */
export const startHoardOn = (
  backend: RunningBackend,
  options: { readonly workDirectory: string; readonly repoRoot: string; readonly nodeArgs: ReadonlyArray<string>; readonly log: (line: string) => void }
): Promise<ChildServer> => {
  for (const [name, value] of Object.entries(backend.hoardEnv)) {
    const inherited = process.env[name]
    if (inherited !== undefined && inherited !== value) {
      options.log(`  warning: ${name} is set in this environment, and Node lets it override the benchmark's value for Hoard`)
    }
  }
  const envFile = join(options.workDirectory, "hoard.env")
  writeFileSync(envFile, envFileText(backend.hoardEnv), { mode: 0o600 })
  return startChildServer({
    name: "hoard",
    cwd: options.repoRoot,
    args: [
      ...options.nodeArgs,
      `--env-file=${envFile}`,
      hoardBin(),
      "serve",
      "--port", "0",
      "--storage", backend.storageUrl,
      "--token", benchToken,
      "--data-dir", join(options.workDirectory, "hoard-data"),
      "--log-level", "warn"
    ],
    urlPattern: /Hoard is listening on (http:\/\/\S+)/u,
    startTimeoutMs: 60_000
  })
}
