import { Schema } from "effect"
import { CliError } from "effect/cli"

/** A configuration mistake, shown to the operator as one clear line. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  message: Schema.String
}) {
  override get [CliError.userMessage]() {
    return this.message
  }
}
