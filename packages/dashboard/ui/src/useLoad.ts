import { useEffect, useState } from "preact/hooks"

export type Load<A> =
  | { readonly state: "loading" }
  | { readonly state: "failed"; readonly error: unknown }
  | { readonly state: "done"; readonly value: A }

/**
 * Runs `load` whenever `deps` change and gives its state; an answer that
 * arrives after the deps changed again is dropped.
 */
export const useLoad = <A>(load: () => Promise<A>, deps: ReadonlyArray<unknown>): Load<A> => {
  const [result, setResult] = useState<Load<A>>({ state: "loading" })
  useEffect(() => {
    let current = true
    setResult({ state: "loading" })
    load().then(
      (value) => current && setResult({ state: "done", value }),
      (error: unknown) => current && setResult({ state: "failed", error })
    )
    return () => {
      current = false
    }
  }, deps)
  return result
}
