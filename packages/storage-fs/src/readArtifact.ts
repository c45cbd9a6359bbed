import type { ArtifactInfo, StoredArtifact } from "@hoard/core"
import { Stream } from "effect"
import { corruptFile } from "./errors.ts"
import { closeQuietly, openIfExists, statFile } from "./fileIo.ts"
import { fdBody } from "./fdBody.ts"
import { readHeader } from "./readHeader.ts"

/** Bytes read with the header: small artifacts come whole in this first read. */
const firstReadBytes = 64 * 1024
/** Enough for the header of any valid artifact (metadata fields are bounded). */
const headReadBytes = 4 * 1024

const inMemoryBody = (bytes: Uint8Array): Stream.Stream<Uint8Array, never> =>
  bytes.byteLength === 0 ? Stream.empty : Stream.succeed(bytes)

export interface OpenedArtifact {
  readonly artifact: StoredArtifact
  /** Releases the artifact's open file if its body was never run. */
  readonly abandon: () => void
}

const noop = () => {}

/**
 * Opens an artifact file and reads its header from the open fd. The rest is
 * read from that same fd, so bytes and info always belong to one version.
 */
export const readArtifact = async (path: string): Promise<OpenedArtifact | undefined> => {
  const fd = await openIfExists(path)
  if (fd === undefined) return undefined
  let handedOver = false
  try {
    const start = await readHeader(fd, path, "get", firstReadBytes)
    const fileBytes = start.bodyOffset + start.info.size
    const fileSize = start.wholeFile ? start.bytes.byteLength : (await statFile(fd)).size
    if (fileSize !== fileBytes) {
      throw corruptFile("get", path, `it holds ${fileSize - start.bodyOffset} bytes, its header says ${start.info.size}`)
    }
    const first = start.bytes.subarray(start.bodyOffset, fileBytes)
    if (start.bytes.byteLength >= fileBytes) return { artifact: { info: start.info, body: inMemoryBody(first) }, abandon: noop }
    const { body, closeUnread } = fdBody(fd, path, first, start.bytes.byteLength)
    handedOver = true
    return { artifact: { info: start.info, body }, abandon: closeUnread }
  } finally {
    if (!handedOver) await closeQuietly(fd)
  }
}

/** Reads only an artifact file's header. */
export const readArtifactInfo = async (path: string, operation: "head" | "list"): Promise<ArtifactInfo | undefined> => {
  const fd = await openIfExists(path)
  if (fd === undefined) return undefined
  try {
    return (await readHeader(fd, path, operation, headReadBytes)).info
  } finally {
    await closeQuietly(fd)
  }
}
