import { createReadStream } from "node:fs"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { StorageError } from "@hoard/core"
import { Effect, Stream } from "effect"
import { crc32 } from "./crc32.ts"
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

/**
 * `bytes`, checked against `verify.crc`. The last chunk is held back until the
 * check passes: on a mismatch the stream fails without it, so a client never
 * receives the whole `Content-Length` of a damaged artifact.
 */
const verified = (
  bytes: Stream.Stream<Uint8Array, StorageError>,
  path: string,
  verify: NonNullable<FdBodyRange["verify"]>
): Stream.Stream<Uint8Array, StorageError> => {
  let crc = 0
  let held: Uint8Array | undefined
  const allButLast = bytes.pipe(
    Stream.map((chunk) => {
      crc = crc32(chunk, crc)
      const previous = held
      held = chunk
      return previous
    }),
    Stream.filter((chunk): chunk is Uint8Array => chunk !== undefined)
  )
  const last = Stream.unwrap(Effect.suspend(() => {
    if (crc === verify.crc) return Effect.succeed(held === undefined ? Stream.empty : Stream.succeed(held))
    return verify.onMismatch(crc, verify.crc).pipe(
      Effect.andThen(Effect.fail(new StorageError({ operation: "get", message: `the bytes of ${path} do not match their CRC-32` })))
    )
  }))
  return Stream.concat(allButLast, last)
}

export interface FdBody {
  readonly body: Stream.Stream<Uint8Array, StorageError>
  /** Closes the fd unless the body has started: for a body that will never be handed out. */
  readonly closeUnread: () => void
}

export interface FdBodyRange {
  /** Where in the file the bytes after `first` start. */
  readonly position: number
  /** Where the artifact's bytes end (exclusive): the trailer after them is not part of the body. */
  readonly end: number
  /**
   * The CRC-32 the bytes must have. On a mismatch `onMismatch` runs and the
   * stream fails before its last chunk, so the answer is cut short, never whole.
   */
  readonly verify?: {
    readonly crc: number
    readonly onMismatch: (computed: number, stored: number) => Effect.Effect<void>
  } | undefined
}

/**
 * The bytes of an artifact from an fd that is already open: `first` (read
 * along with the header), then the rest of the artifact's bytes from
 * `position`, through one Node read stream. The fd pins the file's inode, so
 * a concurrent rename of a new version over the path cannot change what is
 * read. The fd is closed when the stream ends, fails or is interrupted. A
 * body can be run once.
 */
export const fdBody = (fd: number, path: string, first: Uint8Array, { end, position, verify }: FdBodyRange): FdBody => {
  const ownership = new FdOwnership(fd)
  const open = (): Stream.Stream<Uint8Array, StorageError> => {
    if (!ownership.claimForStream()) {
      return Stream.fail(new StorageError({ operation: "get", message: `the body of ${path} can be read only once` }))
    }
    unreadBodies.unregister(ownership)
    // `end` is inclusive for Node; an empty range still opens (and so closes) the fd's stream.
    const readable = createReadStream(path, {
      fd,
      start: position,
      end: Math.max(position, end) - 1,
      highWaterMark: readChunkBytes,
      autoClose: true
    })
    const rest = position >= end
      ? Stream.fromEffectDrain(Effect.sync(() => readable.destroy()))
      : NodeStream.fromReadable<Uint8Array, StorageError>({
        evaluate: () => readable,
        onError: ioError("get", `read ${path}`)
      })
    const bytes = (first.byteLength > 0 ? Stream.concat(Stream.succeed(first), rest) : rest).pipe(
      // Covers an interruption before the read stream started; destroying closes the fd.
      Stream.ensuring(Effect.sync(() => readable.destroy()))
    )
    return verify === undefined ? bytes : verified(bytes, path, verify)
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
