/** Sizes and unit conversions shared by the benchmark. MB means 10^6 bytes throughout. */

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB
export const MB = 1_000_000

/** A human label for an artifact size: "1 KiB", "1 MiB", "50 MiB". */
export const sizeLabel = (bytes: number): string =>
  bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : bytes >= KiB && bytes % KiB === 0 ? `${bytes / KiB} KiB` : `${bytes} B`

/** A compact id fragment for a size: "1KiB", "50MiB". */
export const sizeId = (bytes: number): string => sizeLabel(bytes).replace(" ", "")

export const toMB = (bytes: number): number => bytes / MB
