import { Stream } from "effect"

/** Copies incoming chunks into fixed-size blocks; each block is a fresh buffer. */
class BlockFiller {
  private readonly blockSize: number
  private block: Uint8Array | undefined
  private filled = 0

  constructor(blockSize: number) {
    this.blockSize = blockSize
  }

  /** Takes a chunk; returns the blocks it completed. */
  push(chunk: Uint8Array): Array<Uint8Array> {
    const completed: Array<Uint8Array> = []
    let offset = 0
    while (offset < chunk.byteLength) {
      this.block ??= Buffer.allocUnsafe(this.blockSize)
      const n = Math.min(this.blockSize - this.filled, chunk.byteLength - offset)
      this.block.set(chunk.subarray(offset, offset + n), this.filled)
      this.filled += n
      offset += n
      if (this.filled === this.blockSize) {
        completed.push(this.block)
        this.block = undefined
        this.filled = 0
      }
    }
    return completed
  }

  /** The last, partly filled block, if any. */
  rest(): Array<Uint8Array> {
    return this.block === undefined ? [] : [this.block.subarray(0, this.filled)]
  }
}

/** Regroups a byte stream into blocks of exactly `blockSize` bytes, the last one possibly shorter. */
export const blocksOf = <E>(stream: Stream.Stream<Uint8Array, E>, blockSize: number): Stream.Stream<Uint8Array, E> =>
  stream.pipe(
    Stream.mapAccum(
      () => new BlockFiller(blockSize),
      (filler, chunk) => [filler, filler.push(chunk)] as const,
      { onHalt: (filler) => filler.rest() }
    )
  )
