/**
 * The counters of one ccache run, read from `ccache --print-stats`: ccache
 * 4.7's machine-readable statistics, one `<id>\t<value>` line per counter
 * (the human `ccache -s` layout changes between versions; these ids do not).
 *
 * A compile counts once in `remoteHits`/`remoteMisses`, while the `Read*`
 * counters count entries: a direct-mode compile reads two (its manifest, then
 * its result) and a miss writes both, so three cold compiles show
 * `remoteMisses: 3, remoteReadMisses: 6, remoteWrites: 6`.
 */
export interface CcacheStats {
  /** `remote_storage_hit`: compiles whose result came from the remote storage. */
  readonly remoteHits: number
  /** `remote_storage_miss`: compiles that found nothing usable remotely (any non-2xx GET is a miss). */
  readonly remoteMisses: number
  /** `remote_storage_read_hit`: entries (manifests and results) fetched with a 2xx GET. */
  readonly remoteReadHits: number
  /** `remote_storage_read_miss`: entry GETs answered with a non-2xx status. */
  readonly remoteReadMisses: number
  /** `remote_storage_write`: entries stored (2xx PUT) or found present by a 2xx HEAD (reshare). */
  readonly remoteWrites: number
  /**
   * `remote_storage_error`: a non-2xx PUT or DELETE, a refused connection or a
   * read timeout. ccache then stops using the remote storage for the rest of
   * that compile, so it is at most one per compile; the compile still succeeds.
   */
  readonly remoteErrors: number
  /** `remote_storage_timeout`: connect timeouts (`connect-timeout`, 100 ms by default). */
  readonly remoteTimeouts: number
  /** `local_storage_hit`: compiles served from the local CCACHE_DIR. */
  readonly localHits: number
  /** `local_storage_miss`. */
  readonly localMisses: number
  /** `cache_miss`: compiles that ran the compiler (neither cache had the result). */
  readonly cacheMisses: number
  /** `direct_cache_hit`: hits found through a manifest (no preprocessor run). */
  readonly directHits: number
  /** `preprocessed_cache_hit`: hits found by hashing the preprocessor output. */
  readonly preprocessedHits: number
  /** Every counter `--print-stats` printed, by its id, for assertions on the rest. */
  readonly counters: Readonly<Record<string, number>>
}

/** Parses `ccache --print-stats` output; a counter it does not print reads as 0. */
export const parsePrintStats = (output: string): CcacheStats => {
  const counters: Record<string, number> = {}
  for (const line of output.split("\n")) {
    const match = /^([a-z0-9_]+)\t(\d+)$/u.exec(line.trim())
    if (match?.[1] !== undefined && match[2] !== undefined) counters[match[1]] = Number(match[2])
  }
  const count = (id: string): number => counters[id] ?? 0
  return {
    remoteHits: count("remote_storage_hit"),
    remoteMisses: count("remote_storage_miss"),
    remoteReadHits: count("remote_storage_read_hit"),
    remoteReadMisses: count("remote_storage_read_miss"),
    remoteWrites: count("remote_storage_write"),
    remoteErrors: count("remote_storage_error"),
    remoteTimeouts: count("remote_storage_timeout"),
    localHits: count("local_storage_hit"),
    localMisses: count("local_storage_miss"),
    cacheMisses: count("cache_miss"),
    directHits: count("direct_cache_hit"),
    preprocessedHits: count("preprocessed_cache_hit"),
    counters
  }
}
