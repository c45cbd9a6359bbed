import { createRequire } from "node:module"
import * as Zlib from "node:zlib"

/**
 * CRC-32 (IEEE, as zlib computes it) of `bytes`, continuing from `seed`.
 *
 * Every byte of every artifact passes through here twice (on upload and on
 * each download), so it uses `@node-rs/crc32`'s SIMD implementation (about 6×
 * zlib's on 256 KiB chunks, identical values and seeds). Where its native
 * binary cannot load (a platform it has no build for), zlib's is used: the
 * same numbers, only slower.
 */
export const crc32: (bytes: Uint8Array, seed?: number) => number = (() => {
  try {
    const native = createRequire(import.meta.url)("@node-rs/crc32") as {
      readonly crc32: (bytes: Uint8Array, seed?: number) => number
    }
    return native.crc32
  } catch {
    return Zlib.crc32
  }
})()
