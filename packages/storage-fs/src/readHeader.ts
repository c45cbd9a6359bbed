import type { ArtifactInfo } from "@hoard/core"
import { corruptFile } from "./errors.ts"
import type { Operation } from "./errors.ts"
import { readStart } from "./fileIo.ts"
import { decodeHeader } from "./header.ts"

export interface FileStart {
  readonly info: ArtifactInfo
  /** Where the artifact's bytes start in the file. */
  readonly bodyOffset: number
  /** The bytes read from the start of the file (header, then possibly some body). */
  readonly bytes: Buffer
  /** Whether `bytes` reach the end of the file. */
  readonly wholeFile: boolean
}

/** Reads and decodes an artifact file's header from an open fd, reading `readAhead` bytes in one go. */
export const readHeader = async (fd: number, path: string, operation: Operation, readAhead: number): Promise<FileStart> => {
  let length = readAhead
  let bytes = await readStart(fd, length)
  let decoded = decodeHeader(bytes)
  if (decoded._tag === "NeedBytes" && bytes.byteLength === length) {
    length = decoded.bytes
    bytes = await readStart(fd, length)
    decoded = decodeHeader(bytes)
  }
  switch (decoded._tag) {
    case "Corrupt":
      throw corruptFile(operation, path, decoded.reason)
    case "NeedBytes":
      throw corruptFile(operation, path, "it ends inside its metadata block")
    case "Decoded":
      return { info: decoded.info, bodyOffset: decoded.bodyOffset, bytes, wholeFile: bytes.byteLength < length }
  }
}
