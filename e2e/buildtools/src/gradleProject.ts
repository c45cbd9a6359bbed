import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"

const fixtureDir = fileURLToPath(new URL("../fixtures/gradle", import.meta.url))

/** Build and Gradle state in a project; never copied from the fixture. */
const stateDirs = new Set(["build", ".gradle"])

export interface GradleRemote {
  /**
   * The HttpBuildCache `url`, e.g. `http://127.0.0.1:<port>/gradle/<team>/`.
   * Gradle 4.4 fails the build unless it ends with `/` ("HTTP cache root URI
   * must end with '/'"), so one is appended when missing. Gradle then sends
   * `GET`/`PUT <url><key>`.
   */
  readonly url: string
  /**
   * HTTP Basic credentials. Gradle 4.4 sends them preemptively on every
   * request (no 401 round trip); an empty username is allowed. Omitted: no
   * `credentials` block and no Authorization header.
   */
  readonly username?: string
  readonly password?: string
  /** `push = false` makes Gradle only GET (a read-only cache user). */
  readonly push: boolean
}

export interface GradleProject {
  /** The project root: a fresh copy of fixtures/gradle plus its settings.gradle. */
  readonly dir: string
  /** GRADLE_USER_HOME (`-g`), this project's alone: no ~/.gradle, no init.d, no gradle.properties from outside. */
  readonly gradleUserHome: string
  /** A throwaway HOME for the JVM. */
  readonly home: string
  /** The init script that prints one `hoard-task-outcome <path> <outcome>` line per task. */
  readonly initScript: string
  /** Rewrites settings.gradle for another remote (the next build uses it). */
  readonly setRemote: (remote: GradleRemote) => Promise<void>
  /**
   * Deletes every build output (`build/`) and the task history (`.gradle/`), as
   * on a fresh CI checkout: with the local cache disabled, the next build can
   * only get its outputs from the remote cache (or run the tasks).
   */
  readonly wipeOutputs: () => Promise<void>
  readonly cleanup: () => Promise<void>
}

/** A Groovy single-quoted string literal (no `$` interpolation). */
const groovyString = (value: string): string => `'${value.replace(/\\/gu, "\\\\").replace(/'/gu, "\\'")}'`

/**
 * The whole settings.gradle for `remote`. The local build cache is disabled
 * so a hit can only come from the remote one. (`--offline` is never used:
 * Gradle 4.4 turns the remote cache off with it.)
 */
export const settingsGradle = (remote: GradleRemote): string => {
  const url = remote.url.endsWith("/") ? remote.url : `${remote.url}/`
  const credentials =
    remote.password === undefined
      ? []
      : [
          "    credentials {",
          `      username = ${groovyString(remote.username ?? "")}`,
          `      password = ${groovyString(remote.password)}`,
          "    }"
        ]
  return [
    "// Written by e2e/buildtools/src/gradleProject.ts.",
    "rootProject.name = 'hoard-e2e-gradle'",
    "buildCache {",
    "  local { enabled = false }",
    "  remote(HttpBuildCache) {",
    `    url = ${groovyString(url)}`,
    `    push = ${remote.push ? "true" : "false"}`,
    ...credentials,
    "  }",
    "}",
    ""
  ].join("\n")
}

/**
 * Copies the fixture into a fresh temp dir with its own GRADLE_USER_HOME and
 * HOME, and writes settings.gradle for `remote`. Two projects made this way
 * have the same cache keys (inputs are hashed by relative path and the project
 * directory enters no key), so one reads what another uploaded, like two CI
 * machines.
 */
export const createGradleProject = async (remote: GradleRemote): Promise<GradleProject> => {
  const root = await mkdtemp(join(tmpdir(), "hoard-e2e-gradle-"))
  const dir = join(root, "project")
  const gradleUserHome = join(root, "gradle-user-home")
  const home = join(root, "home")
  await Promise.all([mkdir(gradleUserHome), mkdir(home)])
  await cp(fixtureDir, dir, { recursive: true, filter: (source) => !stateDirs.has(basename(source)) })
  const setRemote = (next: GradleRemote): Promise<void> => writeFile(join(dir, "settings.gradle"), settingsGradle(next))
  await setRemote(remote)
  return {
    dir,
    gradleUserHome,
    home,
    initScript: join(dir, "outcomes.init.gradle"),
    setRemote,
    wipeOutputs: async () => {
      await rm(join(dir, "build"), { recursive: true, force: true })
      await rm(join(dir, ".gradle"), { recursive: true, force: true })
    },
    cleanup: () => rm(root, { recursive: true, force: true })
  }
}
