import { randomBytes } from "node:crypto"
import { Readable, Writable } from "node:stream"
import { MiB } from "../units.ts"

/**
 * The bytes the SDK path uploads: one shared random 1 MiB chunk, repeated,
 * as the transfer client does for the uploads through Hoard.
 */
let sharedChunk: Buffer | undefined
const chunk = (): Buffer => (sharedChunk ??= randomBytes(MiB))

function* chunksOf(size: number): Generator<Buffer> {
  const source = chunk()
  for (let remaining = size; remaining > 0; remaining -= source.byteLength) {
    yield remaining >= source.byteLength ? source : source.subarray(0, remaining)
  }
}

/** A stream of `size` bytes, with backpressure. */
export const payloadStream = (size: number): Readable => Readable.from(chunksOf(size), { objectMode: false })

const whole = new Map<number, Buffer>()

/** `size` bytes in one buffer (built once per size), for SDK calls that take a buffer. */
export const payloadBuffer = (size: number): Buffer => {
  let buffer = whole.get(size)
  if (buffer === undefined) {
    buffer = Buffer.concat([...chunksOf(size)], size)
    whole.set(size, buffer)
  }
  return buffer
}

/** A sink that discards what it is given and counts the bytes. */
export const countingSink = (): { readonly sink: Writable; readonly received: () => number } => {
  let received = 0
  const sink = new Writable({
    write(data: Buffer, _encoding, done) {
      received += data.byteLength
      done()
    }
  })
  return { sink, received: () => received }
}
