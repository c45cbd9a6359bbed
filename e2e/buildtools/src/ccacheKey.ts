/**
 * The shape of ccache 4.7's storage keys, for tests that address entries
 * directly. A key is a 160-bit BLAKE3 digest written as 4 lowercase hex
 * digits (its first two bytes) and 29 lowercase base32hex digits (`0-9a-v`,
 * no padding) for the other 18: 33 characters, e.g.
 * `e4a50em2lfnnk0kl72k3kuf5ec42jtqle` (ccache `Digest::to_string`).
 */
export const ccacheKeyPattern = /^[0-9a-f]{4}[0-9a-v]{29}$/u

/** The HTTP storage layouts Hoard serves; `subdirs` is ccache's default. */
export type CcacheLayout = "subdirs" | "flat"

/**
 * Where ccache puts `key` below the storage URL's path (which it always ends
 * with one `/`): `subdirs` splits off the first two characters as a directory
 * (`e4/a50em2…`, 2 + 1 + 31 characters), `flat` uses the key as it is.
 */
export const ccacheEntryPath = (key: string, layout: CcacheLayout = "subdirs"): string =>
  layout === "flat" ? key : `${key.slice(0, 2)}/${key.slice(2)}`
