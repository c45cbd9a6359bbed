import { isAbsolute, resolve } from "node:path"
import { Effect, Redacted } from "effect"
import type { Layer } from "effect"
import type { CacheIndex } from "@hoard/core"
import { PgIndex, SqliteIndex } from "@hoard/index-sql"
import { ConfigError } from "@hoard/core"
import { withoutPassword } from "./urls.ts"

export interface IndexChoice {
  readonly layer: Layer.Layer<CacheIndex, unknown>
  /** What the operator sees in the startup banner (never a password). */
  readonly description: string
}

/**
 * Turns the `--index` value into a cache index layer: `sqlite:<path>` (the
 * default is `sqlite:<data-dir>/hoard.db`; `sqlite::memory:` keeps it in
 * memory) or a `postgres://` / `postgresql://` URL.
 */
export interface IndexSettings {
  /** A SQLite file: apply writes on a thread of its own (`--index-writer-thread`). */
  readonly writerThread?: boolean | undefined
}

export const indexFromSpec = (
  index: string | Redacted.Redacted<string>,
  settings: IndexSettings = {}
): Effect.Effect<IndexChoice, ConfigError> => {
  const spec = typeof index === "string" ? index : Redacted.value(index)
  if (spec.startsWith("sqlite:")) {
    const path = spec.slice("sqlite:".length)
    if (path === "") return Effect.fail(new ConfigError({ path: "index", message: "invalid index sqlite: give a file, e.g. sqlite:/var/lib/hoard/hoard.db" }))
    const filename = path === ":memory:" || isAbsolute(path) ? path : resolve(path)
    if (filename === ":memory:") {
      return Effect.succeed({ layer: SqliteIndex.layer({ filename }), description: "sqlite in memory (lost at exit)" })
    }
    const writerThread = settings.writerThread === true
    return Effect.succeed({
      layer: SqliteIndex.layer({ filename, writerThread }),
      description: `sqlite ${filename}${writerThread ? " (writer thread)" : ""}`
    })
  }
  if (/^postgres(ql)?:\/\//iu.test(spec)) {
    let url: URL
    try {
      url = new URL(spec)
    } catch {
      return Effect.fail(new ConfigError({ path: "index", message: "invalid index URL: expected postgres://user:password@host:port/database" }))
    }
    return Effect.succeed({ layer: PgIndex.layer({ url: Redacted.make(spec) }), description: `postgres ${withoutPassword(url)}` })
  }
  return Effect.fail(new ConfigError({
    path: "index",
    message: `unsupported index "${spec.replace(/\/\/[^@/]*@/u, "//***@")}": use sqlite:<path> or postgres://user:password@host:port/database`
  }))
}
