import { statfs } from "node:fs/promises"

// `statfs` type magics (Linux's magic.h) of file systems whose metadata
// lives across a network, or in a user-space daemon: NFS, SMB, CIFS, SMB2,
// FUSE (sshfs, gcsfuse, s3fs, GlusterFS), 9p, Ceph, AFS (both), Coda, Lustre,
// GFS2, OCFS2, OrangeFS.
const remoteFileSystems: ReadonlySet<number> = new Set([
  0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x65735546, 0x01021997, 0x00c36400,
  0x5346414f, 0x6b414653, 0x73757245, 0x0bd00bd0, 0x01161970, 0x7461636f, 0x13661366
])

/**
 * Whether `directory` is on a local file system, where a stat or a small read
 * is served from the kernel's caches in microseconds, rather than on a
 * network or user-space one, where each is a round trip.
 */
export const isLocalFileSystem = async (directory: string): Promise<boolean> => {
  const { type } = await statfs(directory)
  return !remoteFileSystems.has(Number(type))
}
