import type { ArtifactInfo, StoredArtifact } from "@hoard/core"
import { Effect, Stream } from "effect"
import { crc32 } from "./crc32.ts"
import { identityOf, sizeAndIdentityOf } from "./fileIo.ts"
import type { FileIdentity, StartReads } from "./fileIo.ts"
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
const lengthProblem = async (fd: number, start: FileStart, reads: StartReads): Promise<string | undefined> =>
  sizeProblem(start.wholeFile ? start.bytes.byteLength : await reads.sizeOf(fd), start)

const sizeProblem = (fileSize: number, start: FileStart): string | undefined => {
  const expected = start.bodyOffset + start.info.size + start.trailerBytes
  return fileSize === expected
    ? undefined
    : `it holds ${fileSize - start.bodyOffset - start.trailerBytes} bytes, its header says ${start.info.size}`
}

const checksumProblem = (computed: number, stored: number): string =>
  `its bytes have CRC-32 ${computed >>> 0}, its trailer says ${stored}`

/**
 * Opens an artifact file and reads its header from the open fd. The rest is
 * read from that same fd, so bytes and info always belong to one version.
 * `undefined` when there is no such file; `Corrupt` when it cannot be
 * decoded, its length disagrees with its header or (when read whole) its
 * bytes with their CRC-32. A body too large to read whole is checked as it
 * streams: a mismatch fails the stream at its end, after `onCorrupt` has run.
 * The open and the first read go through `reads`; the rest of a large body
 * always streams from the thread pool. Rejects only when the file system fails.
 */
export const readArtifact = async (
  path: string,
  onCorrupt: (file: CorruptFile) => Effect.Effect<void>,
  reads: StartReads
): Promise<OpenedArtifact | CorruptFile | undefined> => {
  const fd = await reads.openIfExists(path)
  if (fd === undefined) return undefined
  let handedOver = false
  try {
    const start = await readHeader(fd, firstReadBytes, reads)
    if (start._tag === "Unreadable") return await corrupt(fd, start.reason)
    const bodyEnd = start.bodyOffset + start.info.size
    const first = start.bytes.subarray(start.bodyOffset, bodyEnd)
    const checked = start.trailerBytes > 0
    if (start.wholeFile) {
      const problem = sizeProblem(start.bytes.byteLength, start)
      if (problem !== undefined) return await corrupt(fd, problem)
      if (checked) {
        const computed = crc32(first)
        const stored = start.bytes.readUInt32BE(bodyEnd)
        if (computed !== stored) return await corrupt(fd, checksumProblem(computed, stored))
      }
      return { _tag: "Opened", artifact: { info: start.info, body: inMemoryBody(first), bytes: first }, abandon: noop }
    }
    // Too large to read whole: its identity is taken now, while the fd is
    // surely this file's, in case the stream finds it corrupt.
    const { identity, size } = await sizeAndIdentityOf(fd)
    const problem = sizeProblem(size, start)
    if (problem !== undefined) return { _tag: "Corrupt", reason: problem, file: identity }
    const verify = checked
      ? {
        crc: (await reads.readAt(fd, 4, bodyEnd)).readUInt32BE(0),
        onMismatch: (computed: number, stored: number) =>
          onCorrupt({ _tag: "Corrupt", reason: checksumProblem(computed, stored), file: identity })
      }
      : undefined
    const { body, closeUnread } = fdBody(fd, path, first, { position: start.bytes.byteLength, end: bodyEnd, verify })
    handedOver = true
    return { _tag: "Opened", artifact: { info: start.info, body }, abandon: closeUnread }
  } finally {
    if (!handedOver) await reads.closeQuietly(fd)
  }
}

/**
 * Reads an artifact file's header and checks the file's size against it (one
 * fstat), so that `head` and `list` agree with `get` about which files are
 * artifacts. Every call goes through `reads`.
 */
export const readArtifactInfo = async (path: string, reads: StartReads): Promise<ReadInfo | CorruptFile | undefined> => {
  const fd = await reads.openIfExists(path)
  if (fd === undefined) return undefined
  try {
    const start = await readHeader(fd, headReadBytes, reads)
    if (start._tag === "Unreadable") return await corrupt(fd, start.reason)
    const problem = await lengthProblem(fd, start, reads)
    return problem === undefined ? { _tag: "Info", info: start.info } : await corrupt(fd, problem)
  } finally {
    await reads.closeQuietly(fd)
  }
}
