#!/usr/bin/env node
// First, before anything allocates: V8's flags for the hoard process.
import "./gcTuning.ts"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Console, Effect, Exit, Runtime } from "effect"
import { Command } from "effect/cli"
import { readFileSync } from "node:fs"
import { hoardCommand } from "./cli.ts"

// One level below the package root as src/bin.ts, as the built dist/bin.js and as the bundle/hoard.js bin.
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }

hoardCommand.pipe(
  Command.run({ version }),
  // Every bad setting, from any source, is a ConfigError: one line, exit code 1.
  Effect.tapErrorTag("ConfigError", (error) => Console.error(`hoard: ${error.message}`)),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // SIGINT/SIGTERM interrupt the server, which then shuts down gracefully: a clean exit.
    teardown: (exit, onExit) =>
      Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? onExit(0) : Runtime.defaultTeardown(exit, onExit)
  })
)
