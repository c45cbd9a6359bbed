import { describe, expect, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import * as Zlib from "node:zlib"
import { crc32 } from "../src/crc32.ts"

describe("crc32", () => {
  it("is the native implementation where one is installed (this machine has one)", () => {
    expect(crc32).not.toBe(Zlib.crc32)
  })

  it("computes zlib's CRC-32, whole or chunk by chunk with the running value as seed", () => {
    // Artifacts written before the native implementation carry zlib's values:
    // both must agree on every input, every split and every alignment.
    const bytes = randomBytes(300_001)
    const whole = Zlib.crc32(bytes)
    expect(crc32(bytes)).toBe(whole)
    let running = 0
    for (let offset = 0; offset < bytes.byteLength; offset += 65_537) {
      running = crc32(new Uint8Array(bytes.buffer, bytes.byteOffset + offset, Math.min(65_537, bytes.byteLength - offset)), running)
    }
    expect(running).toBe(whole)
    expect(crc32(new Uint8Array(0), 12345)).toBe(12345)
    expect(crc32(bytes.subarray(3, 7), 0xdeadbeef)).toBe(Zlib.crc32(bytes.subarray(3, 7), 0xdeadbeef))
  })
})
