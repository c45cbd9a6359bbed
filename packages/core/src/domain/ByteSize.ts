import { Schema } from "effect"

const units: Record<string, number> = {
  "": 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40
}

/** Parses `1048576`, `500MB`, `2 GiB`... into bytes; `undefined` when it is not a size. */
export const parseByteSize = (input: string): number | undefined => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/iu.exec(input)
  const factor = match === null ? undefined : units[match[2]!.toLowerCase()]
  if (match === null || factor === undefined) return undefined
  const bytes = Math.floor(Number(match[1]) * factor)
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined
}

/** A byte size given as a number of bytes or a string with a unit. */
export const ByteSizeInput = Schema.Union([
  Schema.Int.check(Schema.isGreaterThan(0)),
  Schema.String.check(Schema.makeFilter((input) =>
    parseByteSize(input) !== undefined || `"${input}" is not a size: use bytes or a unit, e.g. 500MB or 2GiB`
  ))
])
