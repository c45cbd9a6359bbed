import { runClient } from "./clientProcess.ts"
import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join, relative, sep } from "node:path"
import { parseGradleOutput } from "./gradleOutput.ts"
import type { GradleOutputSummary } from "./gradleOutput.ts"
import type { GradleProject } from "./gradleProject.ts"

export { createGradleProject, settingsGradle } from "./gradleProject.ts"
export type { GradleProject, GradleRemote } from "./gradleProject.ts"
export { parseGradleOutput } from "./gradleOutput.ts"
export type { GradleOutputSummary, GradleTaskOutcome } from "./gradleOutput.ts"

/** The fixture's cacheable tasks, run by default, and the files they write below build/. */
export const fixtureTasks = [":render", ":compileJava", ":blob"] as const
export const fixtureOutputs = ["blob/blob.bin", "classes/java/main/hoard/e2e/Greeter.class", "render/greeting.txt"] as const

export interface GradleBuildOptions {
  /** Task paths to run; default `fixtureTasks`, in that order (Gradle 4.4 runs them one at a time). */
  readonly tasks?: ReadonlyArray<string>
  /** Each becomes `-P<name>=<value>`, e.g. `{ hoardBlobBytes: "2000000" }` for the size of `:blob`'s output (default 65536). */
  readonly properties?: Readonly<Record<string, string>>
  readonly timeoutMillis?: number
}

export interface GradleResult {
  readonly exitCode: number | null
  /** Gradle's log (`--console=plain -i`): task lines, cache keys, cache warnings. */
  readonly stdout: string
  /** The Debian launcher's `java -version` banner, and failures. */
  readonly stderr: string
}

export interface GradleBuildResult extends GradleResult, GradleOutputSummary {
  /** SHA-256 (hex) of every file below build/ (except build/tmp), keyed by its path below build/, sorted. */
  readonly outputs: Readonly<Record<string, string>>
}

/**
 * Runs `tasks` with the build cache on. A remote-cache failure never fails
 * a Gradle 4.4 build (the tasks run and it exits 0), so check `tasks`,
 * `remoteCacheWarnings` and `remoteCacheDisabled`, not only `exitCode`.
 */
export const runBuild = async (project: GradleProject, options: GradleBuildOptions = {}): Promise<GradleBuildResult> => {
  const tasks = options.tasks ?? fixtureTasks
  const properties = Object.entries(options.properties ?? {}).map(([name, value]) => `-P${name}=${value}`)
  const result = await runGradle(project, [...properties, ...tasks], options.timeoutMillis)
  return { ...result, ...parseGradleOutput(result.stdout), outputs: await digestOutputs(join(project.dir, "build")) }
}

/**
 * Flags on every run: `--no-daemon` (the build runs in this JVM and nothing
 * outlives it), `--build-cache`, a plain console, `-i` for the cache keys,
 * this project's GRADLE_USER_HOME and the outcome-printing init script.
 * Not `--offline`: Gradle 4.4 disables the remote cache with it; the fixture
 * resolves nothing, so no other request is made.
 */
const commonFlags = (project: GradleProject): ReadonlyArray<string> => [
  "--no-daemon",
  "--build-cache",
  "--console=plain",
  "--info",
  "--stacktrace",
  "--gradle-user-home",
  project.gradleUserHome,
  "--init-script",
  project.initScript
]

/**
 * Runs the real `gradle` in the project with an environment built from
 * scratch: PATH, the throwaway HOME, GRADLE_USER_HOME, a UTF-8 locale and,
 * only if the caller has one, JAVA_HOME (the Debian launcher otherwise uses
 * `java` from the PATH; Gradle 4.4 as Debian patched it runs on JDK 17). No
 * GRADLE_OPTS or JAVA_OPTS comes in. Gradle runs in its own process group,
 * killed as a whole on timeout.
 */
export const runGradle = (
  project: GradleProject,
  args: ReadonlyArray<string>,
  timeoutMillis = 180_000
): Promise<GradleResult> => {
  const javaHome = process.env["JAVA_HOME"]
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: project.home,
    GRADLE_USER_HOME: project.gradleUserHome,
    LC_ALL: "C.UTF-8",
    TERM: "dumb",
    ...(javaHome === undefined || javaHome === "" ? {} : { JAVA_HOME: javaHome })
  }
  const fullArgs = [...commonFlags(project), ...args]
  return runClient("gradle", fullArgs, { cwd: project.dir, env, timeoutMillis })
}

/** SHA-256 of each file below `buildDir` but build/tmp (Gradle's scratch space, never cached). */
const digestOutputs = async (buildDir: string): Promise<Record<string, string>> => {
  const entries = await readdir(buildDir, { recursive: true, withFileTypes: true }).catch(() => [])
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(buildDir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .filter((path) => !path.startsWith("tmp/"))
    .sort()
  const outputs: Record<string, string> = {}
  for (const path of files) {
    outputs[path] = createHash("sha256").update(await readFile(join(buildDir, path))).digest("hex")
  }
  return outputs
}
