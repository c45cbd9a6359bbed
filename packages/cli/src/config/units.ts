/**
 * Ages and byte sizes as settings write them and as help texts and the
 * start-up banner show them. Sizes are parsed by `parseByteSize` (core).
 */

/** `none`, whatever its case: the value that turns a budget or a retention off. */
export const isNone = (input: string): boolean => input.trim().toLowerCase() === "none"

const ageUnits: Record<string, number> = {
  s: 1_000,
  second: 1_000,
  m: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  w: 604_800_000,
  week: 604_800_000
}

/**
 * Parses an age as turbo writes one, a whole number and a unit: `30s`, `90m`,
 * `12h`, `7d`, `2w` (or `7 days`, `1 week`...), into milliseconds;
 * `undefined` when it is not one (`7y`, `1.5d`, `0d`).
 */
export const parseAge = (input: string): number | undefined => {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/iu.exec(input)
  if (match === null) return undefined
  const unit = match[2]!.toLowerCase()
  // Long forms may be plural (`days`); a one-letter unit may not (`ms` is not minutes).
  const factor = ageUnits[unit] ?? (unit.length > 2 && unit.endsWith("s") ? ageUnits[unit.slice(0, -1)] : undefined)
  if (factor === undefined) return undefined
  const millis = Number(match[1]) * factor
  return Number.isSafeInteger(millis) && millis > 0 ? millis : undefined
}

/** The words of a bad age, after the quoted value. */
export const ageSyntax = "a whole number and a unit s, m, h, d or w, e.g. 12h or 7d"

const shownAgeUnits = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const

/** 7 776 000 000 ms as `90d`: the largest unit that divides it. */
export const showAge = (millis: number): string => {
  for (const [unit, size] of shownAgeUnits) {
    if (millis % size === 0) return `${millis / size}${unit}`
  }
  return `${millis}ms`
}

const binaryUnits = [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const
const decimalUnits = [["TB", 1e12], ["GB", 1e9], ["MB", 1e6], ["KB", 1e3]] as const

/**
 * `21474836480` as `20GiB`, `500000000` as `500MB`; a size that no unit
 * divides in the largest binary unit it holds, to a tenth: `7.3GiB`.
 */
export const showBytes = (bytes: number): string => {
  for (const [unit, size] of [...binaryUnits, ...decimalUnits]) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  for (const [unit, size] of binaryUnits) {
    if (bytes >= size) return `${(bytes / size).toFixed(1)}${unit}`
  }
  return `${bytes} bytes`
}
