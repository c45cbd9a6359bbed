import { setFlagsFromString } from "node:v8"

const flag = "external-memory-accounted-in-global-limit"

/**
 * Makes V8 count Buffers' memory in its global heap limit
 * (`--external-memory-accounted-in-global-limit`): `hoard` only, imported
 * first by its bin; an app embedding Hoard chooses its own V8 flags.
 *
 * Every artifact byte passes through short-lived Buffers, whose memory lies
 * outside the JavaScript heap. By default V8 starts a full mark-compact after
 * every few tens of MB of them, however large the heap: with Hoard's heap of
 * about 35 MB that was two or three full GCs per 50 MiB uploaded or
 * downloaded, up to 45% of the server's CPU on large transfers. Counted in the
 * global limit, they are collected as the heap grows: a 50 MiB upload took
 * about 120 ms of CPU before and 50–80 ms after, a 1 MiB download at one
 * connection 3.0 ms and 1.6 ms. The price is memory: dead Buffers wait
 * longer, so the peak RSS of large transfers is about 65 MiB higher (bounded
 * by the heap's limit, not by the artifacts' sizes).
 *
 * Node 24's V8 has the flag; Node 22's does not (and would print an error
 * for it). An operator who names it on node's command line, either way
 * (`node --no-external-memory-accounted-in-global-limit .../hoard serve`), is
 * left to decide. (Node refuses V8 flags like this one in `NODE_OPTIONS`.)
 */
const operatorChose = process.execArgv.some((arg) => arg.includes(flag))
if (Number(process.versions.node.split(".")[0]) >= 24 && !operatorChose) setFlagsFromString(`--${flag}`)
