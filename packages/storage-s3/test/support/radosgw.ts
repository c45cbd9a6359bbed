import { execFile, spawnSync } from "node:child_process"
import { mkdtemp } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const script = fileURLToPath(new URL("../../scripts/radosgw.sh", import.meta.url))
const run = promisify(execFile)

/** Whether the Ceph daemons `scripts/radosgw.sh` needs are on the PATH. */
export const radosgwInstalled = (): boolean =>
  ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "monmaptool"].every((tool) =>
    spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0
  )

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")))
    })
  })

export interface RadosgwProcess {
  readonly endpoint: string
  readonly stop: () => Promise<void>
}

/** Starts a throwaway Ceph cluster with radosgw on free loopback ports (about 14 s). */
export const startRadosgw = async (): Promise<RadosgwProcess> => {
  const dir = await mkdtemp(join(tmpdir(), "hoard-radosgw-"))
  const ports = [await freePort(), await freePort(), await freePort()]
  const stop = async () => {
    await run("bash", [script, "stop", dir], { timeout: 30_000 })
  }
  try {
    const { stdout } = await run("bash", [script, "start", dir, ...ports.map(String)], { timeout: 120_000 })
    const endpoint = /^ready (\S+)$/mu.exec(stdout)?.[1]
    if (endpoint === undefined) throw new Error(`radosgw.sh printed no endpoint:\n${stdout}`)
    return { endpoint, stop }
  } catch (error) {
    await stop().catch(() => undefined)
    throw error
  }
}
