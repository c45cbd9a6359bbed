import { statSync } from "node:fs"
import { statfs } from "node:fs/promises"

/**
 * How storage-fs learns that an artifact is absent. A miss is turbo's most
 * common answer, and an asynchronous `open` that fails costs a thread-pool
 * round trip: on one core that is most of a miss's CPU (`pnpm bench:fs`).
 *
 * - `"sync"`: a `stat` on the event loop first. On a local file system it
 *   answers from the kernel's directory cache in a few microseconds, as nginx
 *   opens its files; only a path that exists goes on to the asynchronous open.
 * - `"async"`: no stat; the open on the thread pool tells. For network file
 *   systems, where one stat is a round trip that would stall every request.
 */
export type Lookup = "sync" | "async"

/**
 * True when a stat on this thread finds no file at `path`. False when it finds
 * one, or fails otherwise (a permission error, say): the asynchronous open
 * that follows then reports what is wrong.
 */
export const absentNow = (path: string): boolean => {
  try {
    return statSync(path, { throwIfNoEntry: false }) === undefined
  } catch {
    return false
  }
}

// `statfs` type magics (Linux's magic.h) of file systems whose metadata
// lives across a network, or in a user-space daemon: NFS, SMB, CIFS, SMB2,
// FUSE (sshfs, gcsfuse, s3fs, GlusterFS), 9p, Ceph, AFS (both), Coda, Lustre,
// GFS2, OCFS2, OrangeFS.
const remoteFileSystems: ReadonlySet<number> = new Set([
  0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x65735546, 0x01021997, 0x00c36400,
  0x5346414f, 0x6b414653, 0x73757245, 0x0bd00bd0, 0x01161970, 0x7461636f, 0x13661366
])

/** `"async"` when `directory` is on a network or user-space file system, else `"sync"`. */
export const lookupFor = async (directory: string): Promise<Lookup> => {
  const { type } = await statfs(directory)
  return remoteFileSystems.has(Number(type)) ? "async" : "sync"
}
