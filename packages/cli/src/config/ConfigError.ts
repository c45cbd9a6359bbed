/**
 * The one error every bad setting fails with, from every source (flags, env
 * vars, files, and `Hoard.layer` itself); the `hoard` command prints its
 * message as one line.
 */
export { ConfigError } from "@hoard/core"
