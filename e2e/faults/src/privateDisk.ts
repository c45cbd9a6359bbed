import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)
const isRoot = process.getuid?.() === 0

/** Without root, a user namespace lets the test mount its own tmpfs. */
const namespaceFlags = isRoot ? [] : ["--user", "--map-root-user"]

/**
 * A small tmpfs at `mountPoint`, mounted in a private mount namespace that
 * only the server started under `wrapper` sees (nothing is left mounted if the
 * test dies). `ballastBytes` of it are taken by a file the test can delete
 * (`freeBallast`) to give the space back.
 */
export const privateDisk = (mountPoint: string, sizeBytes: number, ballastBytes: number) => {
  const ballast = join(mountPoint, "ballast")
  const script = `mount -t tmpfs -o size=${sizeBytes} tmpfs "$0" && head -c ${ballastBytes} /dev/zero > "$0/ballast" && exec "$@"`
  const inNamespace = (pid: number, ...command: ReadonlyArray<string>) =>
    run("nsenter", ["--target", String(pid), "--mount", ...(isRoot ? [] : ["--user", "--preserve-credentials"]), ...command])
  return {
    wrapper: ["unshare", "--mount", ...namespaceFlags, "sh", "-c", script, mountPoint],
    freeBallast: (pid: number) => inNamespace(pid, "rm", "-f", ballast),
    remount: (pid: number, mode: "ro" | "rw") => inNamespace(pid, "mount", "-o", `remount,${mode}`, mountPoint),
    /** The names of the files under `directory` in the server's view. */
    files: async (pid: number, directory: string) => (await inNamespace(pid, "find", directory, "-type", "f")).stdout.split("\n").filter(Boolean)
  }
}
