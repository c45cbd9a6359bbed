/**
 * Opaque keyset cursors: base64url JSON of the last row's sort key, tagged
 * with the listing it belongs to, so a cursor from the other listing (or from
 * anywhere else) fails with `InvalidCursor` instead of paging wrongly.
 */
import { InvalidCursor } from "@hoard/core"
import { Effect } from "effect"

/** `"a"`: artifacts by (updated_at desc, hash); `"e"`: events by (created_at desc, id desc). */
type Kind = "a" | "e"

export interface SortKey {
  readonly time: number
  readonly key: string
}

export const encodeCursor = (kind: Kind, sortKey: SortKey): string =>
  Buffer.from(JSON.stringify([kind, sortKey.time, sortKey.key])).toString("base64url")

const parse = (kind: Kind, cursor: string): SortKey | undefined => {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    if (
      Array.isArray(value) && value.length === 3 && value[0] === kind &&
      Number.isFinite(value[1]) && typeof value[2] === "string"
    ) {
      return { time: value[1], key: value[2] }
    }
  } catch {
    // not JSON: not ours
  }
  return undefined
}

export const decodeCursor = (kind: Kind, cursor: string | undefined): Effect.Effect<SortKey | undefined, InvalidCursor> => {
  if (cursor === undefined) return Effect.succeed(undefined)
  const sortKey = parse(kind, cursor)
  return sortKey === undefined
    ? Effect.fail(new InvalidCursor({ message: "the cursor is not one this listing handed out" }))
    : Effect.succeed(sortKey)
}
