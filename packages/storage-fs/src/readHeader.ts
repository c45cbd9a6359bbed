import type { ArtifactInfo } from "@hoard/core"
import type { StartReads } from "./fileIo.ts"
import { decodeHeader } from "./header.ts"

export interface FileStart {
  readonly _tag: "Read"
  readonly info: ArtifactInfo
  /** Where the artifact's bytes start in the file. */
  readonly bodyOffset: number
  /** Bytes after the artifact's bytes: the CRC-32 trailer (4), or none in a format 1 file. */
  readonly trailerBytes: number
  /** The bytes read from the start of the file (header, then possibly some body). */
  readonly bytes: Buffer
  /** Whether `bytes` reach the end of the file. */
  readonly wholeFile: boolean
}

/** Why a file is not a readable artifact: its contents, not the file system, are at fault. */
export interface Unreadable {
  readonly _tag: "Unreadable"
  readonly reason: string
}

/**
 * Reads and decodes an artifact file's header from an open fd, reading
 * `readAhead` bytes in one go, with `reads`. A header that cannot be decoded is
 * `Unreadable`; only a failing read rejects.
 */
export const readHeader = async (fd: number, readAhead: number, reads: StartReads): Promise<FileStart | Unreadable> => {
  let length = readAhead
  let bytes = await reads.readAt(fd, length, 0)
  let decoded = decodeHeader(bytes)
  if (decoded._tag === "NeedBytes" && bytes.byteLength === length) {
    length = decoded.bytes
    bytes = await reads.readAt(fd, length, 0)
    decoded = decodeHeader(bytes)
  }
  switch (decoded._tag) {
    case "Corrupt":
      return { _tag: "Unreadable", reason: decoded.reason }
    case "NeedBytes":
      return { _tag: "Unreadable", reason: "it ends inside its metadata block" }
    case "Decoded":
      return {
        _tag: "Read",
        info: decoded.info,
        bodyOffset: decoded.bodyOffset,
        trailerBytes: decoded.trailerBytes,
        bytes,
        wholeFile: bytes.byteLength < length
      }
  }
}
