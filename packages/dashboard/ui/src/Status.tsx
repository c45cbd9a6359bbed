import type { ComponentChildren } from "preact"
import { describeFailure } from "./api.ts"
import type { Load } from "./useLoad.ts"

/** Loading and failure states; `children` renders the loaded value. */
export const Loaded = <A,>({ load, children }: { load: Load<A>; children: (value: A) => ComponentChildren }) =>
  load.state === "loading"
    ? <p class="muted loading" role="status">Loading…</p>
    : load.state === "failed"
    ? <p class="error" role="alert">{describeFailure(load.error, "read this team")}</p>
    : <>{children(load.value)}</>
