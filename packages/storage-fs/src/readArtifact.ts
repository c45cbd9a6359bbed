import type { ArtifactInfo, StoredArtifact } from "@hoard/core"
import { Stream } from "effect"
import { closeQuietly, identityOf, openIfExists, statFile } from "./fileIo.ts"
import type { FileIdentity } from "./fileIo.ts"
import { fdBody } from "./fdBody.ts"
import { readHeader } from "./readHeader.ts"
import type { FileStart } from "./readHeader.ts"

/** Bytes read with the header: small artifacts come whole in this first read. */
const firstReadBytes = 64 * 1024
/** Enough for the header of any valid artifact (metadata fields are bounded). */
const headReadBytes = 4 * 1024

const inMemoryBody = (bytes: Uint8Array): Stream.Stream<Uint8Array, never> =>
  bytes.byteLength === 0 ? Stream.empty : Stream.succeed(bytes)

export interface OpenedArtifact {
  readonly _tag: "Opened"
  readonly artifact: StoredArtifact
  /** Releases the artifact's open file if its body was never run. */
  readonly abandon: () => void
}

export interface ReadInfo {
  readonly _tag: "Info"
  readonly info: ArtifactInfo
}

/** A file whose contents are not a valid artifact; `file` is the one that was read, to remove exactly it. */
export interface CorruptFile {
  readonly _tag: "Corrupt"
  readonly reason: string
  readonly file: FileIdentity
}

const noop = () => {}

const corrupt = async (fd: number, reason: string): Promise<CorruptFile> => ({ _tag: "Corrupt", reason, file: await identityOf(fd) })

/** The file's real size against the size its header records: a torn or padded file is corrupt. */
const lengthProblem = async (fd: number, start: FileStart): Promise<string | undefined> => {
  const fileSize = start.wholeFile ? start.bytes.byteLength : (await statFile(fd)).size
  const expected = start.bodyOffset + start.info.size
  return fileSize === expected ? undefined : `it holds ${fileSize - start.bodyOffset} bytes, its header says ${start.info.size}`
}

/**
 * Opens an artifact file and reads its header from the open fd. The rest is
 * read from that same fd, so bytes and info always belong to one version.
 * `undefined` when there is no such file; `Corrupt` when it cannot be
 * decoded or its length disagrees with its header. Rejects only when the
 * file system fails.
 */
export const readArtifact = async (path: string): Promise<OpenedArtifact | CorruptFile | undefined> => {
  const fd = await openIfExists(path)
  if (fd === undefined) return undefined
  let handedOver = false
  try {
    const start = await readHeader(fd, firstReadBytes)
    if (start._tag === "Unreadable") return await corrupt(fd, start.reason)
    const problem = await lengthProblem(fd, start)
    if (problem !== undefined) return await corrupt(fd, problem)
    const fileBytes = start.bodyOffset + start.info.size
    const first = start.bytes.subarray(start.bodyOffset, fileBytes)
    if (start.bytes.byteLength >= fileBytes) {
      return { _tag: "Opened", artifact: { info: start.info, body: inMemoryBody(first), bytes: first }, abandon: noop }
    }
    const { body, closeUnread } = fdBody(fd, path, first, start.bytes.byteLength)
    handedOver = true
    return { _tag: "Opened", artifact: { info: start.info, body }, abandon: closeUnread }
  } finally {
    if (!handedOver) await closeQuietly(fd)
  }
}

/**
 * Reads an artifact file's header and checks the file's size against it (one
 * fstat), so that `head` and `list` agree with `get` about which files are
 * artifacts.
 */
export const readArtifactInfo = async (path: string): Promise<ReadInfo | CorruptFile | undefined> => {
  const fd = await openIfExists(path)
  if (fd === undefined) return undefined
  try {
    const start = await readHeader(fd, headReadBytes)
    if (start._tag === "Unreadable") return await corrupt(fd, start.reason)
    const problem = await lengthProblem(fd, start)
    return problem === undefined ? { _tag: "Info", info: start.info } : await corrupt(fd, problem)
  } finally {
    await closeQuietly(fd)
  }
}
