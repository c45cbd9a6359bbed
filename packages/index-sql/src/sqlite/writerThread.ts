/**
 * The SQLite index's writer thread: its own connection to the database file,
 * on which it applies the writes `SqliteIndex` forwards (writerThreadClient.ts).
 * `node:sqlite` is synchronous, so a batch of a thousand writes would
 * otherwise hold the main thread, and every request waiting on it, for
 * milliseconds; here it holds only this thread. Reads stay on the main
 * thread's connection (WAL: readers never wait for this writer).
 */
import { Cause, Effect, Exit, Scope } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient } from "effect/sql/SqlClient"
import { parentPort, workerData } from "node:worker_threads"
import { messageOf } from "../internal/errors.ts"
import * as SqlCacheIndex from "../SqlCacheIndex.ts"
import * as SqliteClient from "./SqliteClient.ts"
import type { WriteCall, WriterMessage, WriterThreadData } from "./writerProtocol.ts"

const port = parentPort!
const post = (message: WriterMessage): void => port.postMessage(message)
const { filename } = workerData as WriterThreadData

const open = Effect.gen(function*() {
  const client = yield* SqliteClient.make({ filename })
  return yield* Effect.provideService(SqlCacheIndex.make, SqlClient, client)
}).pipe(Effect.provide(Reactivity.layer))

// The connection lives as long as the thread; the main thread ends it by terminating the thread.
const scope = Effect.runSync(Scope.make())
const opened = await Effect.runPromiseExit(Scope.provide(open, scope))

if (Exit.isFailure(opened)) {
  post({ _tag: "OpenFailed", message: messageOf(Cause.squash(opened.cause)) })
} else {
  const index = opened.value
  port.on("message", (call: WriteCall) => {
    const run = (index[call.operation] as (...args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown>)(...call.args)
    void Effect.runPromiseExit(run).then((exit) => {
      if (Exit.isSuccess(exit)) return post({ _tag: "Done", id: call.id, value: exit.value })
      const error = Cause.squash(exit.cause)
      const operation = typeof error === "object" && error !== null && "operation" in error
        ? String(error.operation)
        : call.operation
      post({ _tag: "Failed", id: call.id, operation, message: messageOf(error) })
    })
  })
  post({ _tag: "Ready" })
}
