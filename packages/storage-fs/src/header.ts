import { decodeArtifactInfoJson, encodeArtifactInfoJson } from "@hoard/core"
import type { ArtifactInfo } from "@hoard/core"
import { Cause, Exit } from "effect"

/**
 * An artifact file is a fixed header, the artifact's info as JSON, the bytes,
 * then (format 2) a trailer. Header: 4-byte magic "HORD", uint16 format
 * version, uint32 length of the JSON block. Trailer: the CRC-32 of the bytes
 * as a uint32. All big-endian. Format 1 files (no trailer) are still read.
 *
 * The checksum is what lets uploads skip fsync: a file a crash left torn or
 * zero-filled has the wrong length or the wrong CRC, and reads treat it as a
 * miss instead of serving it.
 */
const magic = Buffer.from("HORD", "latin1")
const formatVersion = 2
export const fixedHeaderBytes = 10
/** The bytes after the artifact's bytes in a file of this format version. */
export const trailerBytesOf = (version: number): number => (version >= 2 ? 4 : 0)
/** Far above what valid metadata needs; anything larger is a corrupt file. */
const maxJsonBytes = 64 * 1024

export const encodeHeader = (info: ArtifactInfo): Buffer => {
  const json = Buffer.from(encodeArtifactInfoJson(info), "utf8")
  const header = Buffer.allocUnsafe(fixedHeaderBytes + json.byteLength)
  magic.copy(header, 0)
  header.writeUInt16BE(formatVersion, 4)
  header.writeUInt32BE(json.byteLength, 6)
  json.copy(header, fixedHeaderBytes)
  return header
}

/** The trailer that ends a file whose bytes have this CRC-32. */
export const encodeTrailer = (crc: number): Buffer => {
  const trailer = Buffer.allocUnsafe(4)
  trailer.writeUInt32BE(crc >>> 0, 0)
  return trailer
}

export type DecodedHeader =
  | {
    readonly _tag: "Decoded"
    readonly info: ArtifactInfo
    readonly bodyOffset: number
    /** Bytes after the body: 4 (the CRC-32) in format 2, none in format 1. */
    readonly trailerBytes: number
  }
  /** The header is longer than the bytes given: read at least `bytes` from the start of the file. */
  | { readonly _tag: "NeedBytes"; readonly bytes: number }
  | { readonly _tag: "Corrupt"; readonly reason: string }

/** Decodes the header at the start of `bytes`, the first bytes of an artifact file. */
export const decodeHeader = (bytes: Buffer): DecodedHeader => {
  if (bytes.byteLength < fixedHeaderBytes) {
    return { _tag: "Corrupt", reason: `${bytes.byteLength} bytes is too short for a header` }
  }
  if (!bytes.subarray(0, 4).equals(magic)) return { _tag: "Corrupt", reason: "it does not start with HORD" }
  const version = bytes.readUInt16BE(4)
  if (version !== 1 && version !== formatVersion) return { _tag: "Corrupt", reason: `unknown format version ${version}` }
  const jsonBytes = bytes.readUInt32BE(6)
  if (jsonBytes > maxJsonBytes) return { _tag: "Corrupt", reason: `a metadata block of ${jsonBytes} bytes` }
  const bodyOffset = fixedHeaderBytes + jsonBytes
  if (bytes.byteLength < bodyOffset) return { _tag: "NeedBytes", bytes: bodyOffset }
  const decoded = decodeArtifactInfoJson(bytes.toString("utf8", fixedHeaderBytes, bodyOffset))
  return Exit.isSuccess(decoded)
    ? { _tag: "Decoded", info: decoded.value, bodyOffset, trailerBytes: trailerBytesOf(version) }
    : { _tag: "Corrupt", reason: `undecodable metadata (${Cause.pretty(decoded.cause).split("\n")[0]})` }
}
