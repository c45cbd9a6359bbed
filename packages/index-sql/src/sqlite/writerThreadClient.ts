/**
 * The main thread's end of the SQLite index's writer thread (writerThread.ts):
 * starts the thread, forwards write operations to it and hands back their
 * outcomes.
 *
 * - A call waits for the thread's reply; interrupting it only stops the wait
 *   (the thread still finishes the transaction it began, or rolls it back).
 * - If the thread dies, the calls in progress fail with an `IndexError` and
 *   the next call starts a new thread. The index writer retries a failed
 *   batch, and a batch is one transaction, so nothing is applied twice.
 * - The thread keeps the process alive only while a call is in progress.
 */
import { IndexError } from "@hoard/core"
import { Effect } from "effect"
import type { Scope } from "effect"
import { Worker } from "node:worker_threads"
import { messageOf } from "../internal/errors.ts"
import type { WriteOperation, WriterMessage, WriterThreadData } from "./writerProtocol.ts"

export interface WriterThread {
  /** Runs the index operation `operation` on the writer thread's connection. */
  readonly call: (operation: WriteOperation, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, IndexError>
  /** Stops the thread as a crash would (for tests); the next call starts another. */
  readonly terminate: Effect.Effect<void>
}

// Run from source (TypeScript) in this repository, from dist (JavaScript) when
// installed. The `hoard` bin's bundle puts a writerThread.js beside the chunk
// this module is bundled into (packages/cli/bundle.ts).
const threadUrl = new URL(import.meta.url.endsWith(".ts") ? "./writerThread.ts" : "./writerThread.js", import.meta.url)

interface Pending {
  readonly operation: string
  readonly resume: (outcome: Effect.Effect<unknown, IndexError>) => void
}

/** Starts the writer thread on `filename` (a migrated SQLite file) and waits until its connection is open. */
export const make = (filename: string): Effect.Effect<WriterThread, IndexError, Scope.Scope> =>
  Effect.gen(function*() {
    const pending = new Map<number, Pending>()
    let nextId = 0
    let current: Worker | undefined
    let closed = false

    const failPending = (message: string): void => {
      const calls = Array.from(pending.values())
      pending.clear()
      for (const call of calls) call.resume(Effect.fail(new IndexError({ operation: call.operation, message })))
    }

    const settle = (id: number, outcome: Effect.Effect<unknown, IndexError>): void => {
      const call = pending.get(id)
      if (call === undefined) return // interrupted meanwhile
      pending.delete(id)
      if (pending.size === 0) current?.unref()
      call.resume(outcome)
    }

    /** Starts a thread; its promise settles when the thread's connection is open, or could not be opened. */
    const start = (): { readonly worker: Worker; readonly ready: Promise<void> } => {
      const worker = new Worker(threadUrl, { workerData: { filename } satisfies WriterThreadData })
      worker.unref()
      const stopped = (message: string): void => {
        if (current !== worker) return
        current = undefined
        failPending(message)
      }
      const ready = new Promise<void>((resolve, reject) => {
        worker.on("message", (message: WriterMessage) => {
          switch (message._tag) {
            case "Ready":
              return resolve()
            case "OpenFailed": {
              const text = `cannot open the SQLite index ${filename} in its writer thread: ${message.message}`
              reject(new Error(text))
              stopped(text)
              return void worker.terminate()
            }
            case "Done":
              return settle(message.id, Effect.succeed(message.value))
            case "Failed":
              return settle(message.id, Effect.fail(new IndexError({ operation: message.operation, message: message.message })))
          }
        })
        worker.on("error", (error) => {
          reject(error)
          stopped(`the SQLite index's writer thread failed: ${messageOf(error)}`)
        })
        worker.on("exit", (code) => {
          reject(new Error(`exited with code ${code}`))
          stopped(`the SQLite index's writer thread exited (code ${code})`)
        })
      })
      ready.catch(() => undefined) // a call in progress learns of it through `stopped`
      return { worker, ready }
    }

    const call: WriterThread["call"] = (operation, args) =>
      Effect.callback<unknown, IndexError>((resume) => {
        if (closed) {
          return resume(Effect.fail(new IndexError({ operation, message: "the SQLite index is closed" })))
        }
        const worker = current ??= start().worker
        const id = nextId++
        if (pending.size === 0) worker.ref()
        pending.set(id, { operation, resume })
        // Posted before the thread is ready, a call waits in its port.
        worker.postMessage({ id, operation, args })
        return Effect.sync(() => {
          if (pending.delete(id) && pending.size === 0) current?.unref()
        })
      })

    const terminate = Effect.promise(async () => {
      await current?.terminate()
    })

    const first = start()
    current = first.worker
    yield* Effect.tryPromise({
      try: () => first.ready,
      catch: (error) => new IndexError({ operation: "open", message: messageOf(error), cause: error })
    })
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        const running = current
        current = undefined
        failPending("the SQLite index is closed")
        return running === undefined ? Effect.void : Effect.promise(() => running.terminate().then(() => undefined))
      })
    )
    return { call, terminate }
  })
