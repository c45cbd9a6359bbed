import { execFile } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { radosgwInstalled } from "../../../../packages/storage-s3/test/support/radosgw.ts"
import { trackProcess } from "../../cleanup.ts"
import type { BackendDefinition, RunningBackend } from "../backend.ts"
import { s3RunningBackend } from "./s3Sdk.ts"

/** The S3 package's throwaway Ceph cluster: one mon, one memstore OSD, radosgw; cephx off. */
const script = fileURLToPath(new URL("../../../../packages/storage-s3/scripts/radosgw.sh", import.meta.url))
const run = promisify(execFile)

/** Ceph Pacific: the SDK's default checksums are not for it (packages/storage-s3/README.md). */
const checksums = "WHEN_REQUIRED"

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

/** The daemons' pids, from the pid files the script's ceph.conf asks for. */
const daemonPids = (directory: string): Array<number> => {
  try {
    return readdirSync(join(directory, "run"))
      .filter((name) => name.endsWith(".pid"))
      .map((name) => Number(readFileSync(join(directory, "run", name), "utf8").trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 0)
  } catch {
    return []
  }
}

/** For the last-resort cleanup: the daemons are not our children, so they are killed by pid. */
const daemonsKillable = (directory: string) => ({
  kill: (signal: NodeJS.Signals): boolean => {
    for (const pid of daemonPids(directory)) {
      try {
        process.kill(pid, signal)
      } catch {
        // already gone
      }
    }
    return true
  }
})

export const radosgwBackend: BackendDefinition = {
  id: "s3-radosgw",
  label: "S3 (Ceph radosgw)",
  unavailable: () =>
    radosgwInstalled() ? undefined : "radosgw is not installed (packages/storage-s3/scripts/install-radosgw.sh)",
  start: async (workDirectory): Promise<RunningBackend> => {
    const directory = join(workDirectory, "radosgw")
    const untrackDaemons = trackProcess(daemonsKillable(directory))
    const stopCluster = async (): Promise<void> => {
      await run("bash", [script, "stop", directory], { timeout: 30_000 })
      untrackDaemons()
    }
    const ports = [await freePort(), await freePort(), await freePort()]
    let endpoint: string
    try {
      const { stdout } = await run("bash", [script, "start", directory, ...ports.map(String)], { timeout: 120_000 })
      const ready = /^ready (\S+)$/mu.exec(stdout)?.[1]
      if (ready === undefined) throw new Error(`radosgw.sh printed no endpoint:\n${stdout}`)
      endpoint = ready
    } catch (error) {
      await stopCluster().catch(() => undefined)
      throw error
    }
    const cephEnv = { ...process.env, CEPH_CONF: join(directory, "ceph.conf") }
    const backend = await s3RunningBackend({ endpoint, checksums, stopServer: stopCluster, emulatorPids: () => daemonPids(directory) })
    return {
      ...backend,
      // Overwritten multipart objects wait 2 h for radosgw's garbage collector, in the
      // OSD's RAM (memstore, 4 GiB): collect them now, so that the run's uploads fit.
      betweenRounds: async () => {
        await run("radosgw-admin", ["gc", "process", "--include-all"], { env: cephEnv, timeout: 60_000 })
      }
    }
  }
}
