import { ArtifactInfoJson } from "@hoard/core"
import type { ArtifactInfo } from "@hoard/core"
import { Cause, Exit, Schema } from "effect"

/**
 * An artifact file is a fixed header, the artifact's info as JSON, then the
 * bytes. Header: 4-byte magic "HORD", uint16 format version, uint32 length of
 * the JSON block (all big-endian).
 */
const magic = Buffer.from("HORD", "latin1")
const formatVersion = 1
export const fixedHeaderBytes = 10
/** Far above what valid metadata needs; anything larger is a corrupt file. */
const maxJsonBytes = 64 * 1024

const encodeInfo = Schema.encodeSync(ArtifactInfoJson)
const decodeInfo = Schema.decodeUnknownExit(ArtifactInfoJson)

export const encodeHeader = (info: ArtifactInfo): Buffer => {
  const json = Buffer.from(encodeInfo(info), "utf8")
  const header = Buffer.allocUnsafe(fixedHeaderBytes + json.byteLength)
  magic.copy(header, 0)
  header.writeUInt16BE(formatVersion, 4)
  header.writeUInt32BE(json.byteLength, 6)
  json.copy(header, fixedHeaderBytes)
  return header
}

export type DecodedHeader =
  | { readonly _tag: "Decoded"; readonly info: ArtifactInfo; readonly bodyOffset: number }
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
  if (version !== formatVersion) return { _tag: "Corrupt", reason: `unknown format version ${version}` }
  const jsonBytes = bytes.readUInt32BE(6)
  if (jsonBytes > maxJsonBytes) return { _tag: "Corrupt", reason: `a metadata block of ${jsonBytes} bytes` }
  const bodyOffset = fixedHeaderBytes + jsonBytes
  if (bytes.byteLength < bodyOffset) return { _tag: "NeedBytes", bytes: bodyOffset }
  const decoded = decodeInfo(bytes.toString("utf8", fixedHeaderBytes, bodyOffset))
  return Exit.isSuccess(decoded)
    ? { _tag: "Decoded", info: decoded.value, bodyOffset }
    : { _tag: "Corrupt", reason: `undecodable metadata (${Cause.pretty(decoded.cause).split("\n")[0]})` }
}
