/**
 * Matches request URLs against the path Hoard is mounted under (e.g. `/cache`
 * when TURBO_API is `http://host/cache`). Returns the URL relative to it, query
 * kept, or `undefined` for a URL outside it. Repeated slashes are collapsed
 * first: a trailing slash in TURBO_API yields `//v8/...`.
 */
export const basePathMatcher = (basePath: string | undefined): (url: string) => string | undefined => {
  const base = basePath === undefined ? "" : collapseSlashes(`/${basePath}`).replace(/\/+$/u, "")
  return (url) => {
    const queryStart = url.indexOf("?")
    const rawPath = queryStart === -1 ? url : url.slice(0, queryStart)
    const search = queryStart === -1 ? "" : url.slice(queryStart)
    const path = collapseSlashes(rawPath)
    if (base === "") return path === rawPath ? url : path + search
    if (path === base) return `/${search}`
    return path.startsWith(`${base}/`) ? path.slice(base.length) + search : undefined
  }
}

const collapseSlashes = (path: string): string => path.replace(/\/{2,}/gu, "/")
