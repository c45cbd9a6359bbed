import { spawn } from "node:child_process"

export interface ClientExit {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  /** stdout and stderr interleaved as they arrived. */
  readonly output: string
}

/**
 * Runs a build client to its end in its own process group, collecting its
 * output. On timeout the whole group is killed (a client may leave children:
 * a JVM, a compiler, nx's workers) and the promise rejects with the output so far.
 */
export const runClient = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: Record<string, string>; readonly timeoutMillis: number }
): Promise<ClientExit> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      output += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
      output += chunk
    })
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
      } catch {
        // The group is already gone.
      }
      reject(new Error(`${command} ${args.join(" ")} timed out after ${options.timeoutMillis} ms:\n${output}`))
    }, options.timeoutMillis)
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(error.code === "ENOENT" ? new Error(`${command} is not on the PATH (see scripts/install-*.sh)`) : error)
    })
    child.once("close", (exitCode) => {
      clearTimeout(timer)
      resolve({ exitCode, stdout, stderr, output })
    })
  })
