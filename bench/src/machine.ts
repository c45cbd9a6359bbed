import { statfsSync } from "node:fs"
import { cpus, loadavg, release, totalmem } from "node:os"

/** The facts that make a run comparable with another one. */
export interface MachineFacts {
  readonly node: string
  readonly platform: string
  readonly cores: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly loadAverage: readonly [number, number, number]
  readonly storageFileSystem: string
}

const fileSystemNames: Record<number, string> = {
  0x01021994: "tmpfs",
  0xef53: "ext4",
  0x58465342: "xfs",
  0x9123683e: "btrfs",
  0x794c7630: "overlayfs",
  0x65735546: "fuse"
}

const fileSystemOf = (path: string): string => {
  try {
    const type = statfsSync(path).type
    return fileSystemNames[type] ?? `type 0x${type.toString(16)}`
  } catch {
    return "unknown"
  }
}

export const loadAverage = (): readonly [number, number, number] => {
  const [one = 0, five = 0, fifteen = 0] = loadavg()
  return [one, five, fifteen]
}

export const machineFacts = (storagePath: string): MachineFacts => ({
  node: process.version,
  platform: `${process.platform} ${release()} ${process.arch}`,
  cores: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadAverage: loadAverage(),
  storageFileSystem: fileSystemOf(storagePath)
})

export const formatLoad = (load: readonly [number, number, number]): string => load.map((value) => value.toFixed(2)).join(" / ")
