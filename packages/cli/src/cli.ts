import { Command } from "effect/cli"
import { serveCommand } from "./commands/serve.ts"

/** `hoard`: the root command. */
export const hoardCommand = Command.make("hoard").pipe(
  Command.withDescription("Hoard: a self-hosted remote build cache for Turborepo"),
  Command.withSubcommands([serveCommand])
)
