import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadServeConfig } from "../src/config/loadConfig.ts"
import type { ServeFlags } from "../src/config/ServeConfig.ts"

/** A fresh temp dir holding `hoard.config.json` with `content`; returns the dir. */
export const configDir = (content: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), "hoard-cli-config-"))
  writeFileSync(join(dir, "hoard.config.json"), JSON.stringify(content))
  return dir
}

/** `loadServeConfig` with `--config <dir>/hoard.config.json` (and more flags). */
export const load = (dir: string, flags: Partial<ServeFlags> = {}, env: Record<string, string> = {}) =>
  loadServeConfig({ tokens: [], config: join(dir, "hoard.config.json"), ...flags }, env)

/** The message `effect` fails with. */
export const messageOf = <A, E extends { readonly message: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(effect), (error) => error.message)
