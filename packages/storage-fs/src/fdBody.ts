import { createReadStream } from "node:fs"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { StorageError } from "@hoard/core"
import { Effect, Stream } from "effect"
import { ioError } from "./errors.ts"
import { closeQuietly } from "./fileIo.ts"

/**
 * Who closes an open fd: the body stream once it runs; or, for a body that is
 * never run, `closeUnread` or the garbage-collection safety net below.
 * Exactly one of them does, so an fd number is never closed twice (it could
 * belong to another file by then).
 */
class FdOwnership {
  private owner: "unclaimed" | "stream" | "closed" = "unclaimed"
  readonly fd: number

  constructor(fd: number) {
    this.fd = fd
  }

  claimForStream(): boolean {
    if (this.owner !== "unclaimed") return false
    this.owner = "stream"
    return true
  }

  closeIfUnclaimed(): void {
    if (this.owner !== "unclaimed") return
    this.owner = "closed"
    void closeQuietly(this.fd)
  }
}

const unreadBodies = new FinalizationRegistry<FdOwnership>((ownership) => ownership.closeIfUnclaimed())

// Larger than Node's 64 KiB default: fewer, bigger chunks cost less per byte downstream.
const readChunkBytes = 256 * 1024

export interface FdBody {
  readonly body: Stream.Stream<Uint8Array, StorageError>
  /** Closes the fd unless the body has started: for a body that will never be handed out. */
  readonly closeUnread: () => void
}

/**
 * The bytes of an artifact from an fd that is already open: `first` (read
 * along with the header), then the rest of the file from `position`, through
 * one Node read stream. The fd pins the file's inode, so a concurrent rename of
 * a new version over the path cannot change what is read. The fd is closed
 * when the stream ends, fails or is interrupted. A body can be run once.
 */
export const fdBody = (fd: number, path: string, first: Uint8Array, position: number): FdBody => {
  const ownership = new FdOwnership(fd)
  const open = (): Stream.Stream<Uint8Array, StorageError> => {
    if (!ownership.claimForStream()) {
      return Stream.fail(new StorageError({ operation: "get", message: `the body of ${path} can be read only once` }))
    }
    unreadBodies.unregister(ownership)
    const readable = createReadStream(path, { fd, start: position, highWaterMark: readChunkBytes, autoClose: true })
    const rest = NodeStream.fromReadable<Uint8Array, StorageError>({
      evaluate: () => readable,
      onError: ioError("get", `read ${path}`)
    })
    return (first.byteLength > 0 ? Stream.concat(Stream.succeed(first), rest) : rest).pipe(
      // Covers an interruption before the read stream started; destroying closes the fd.
      Stream.ensuring(Effect.sync(() => readable.destroy()))
    )
  }
  // The thunk is held by every stream derived from this body: registering it
  // (rather than the Stream object) keeps the fd open while any of them lives.
  unreadBodies.register(open, ownership, ownership)
  return {
    body: Stream.suspend(open),
    closeUnread: () => {
      unreadBodies.unregister(ownership)
      ownership.closeIfUnclaimed()
    }
  }
}
