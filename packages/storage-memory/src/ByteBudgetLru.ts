/**
 * A map whose values have a size in bytes, kept within a byte budget by
 * evicting the least recently used entries. `get` counts as use; `peek` does not.
 */
export class ByteBudgetLru<V> {
  // A Map iterates in insertion order: re-inserting on use keeps the oldest first.
  private readonly entries = new Map<string, { readonly value: V; readonly size: number }>()
  private used = 0

  readonly maxBytes: number

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes
  }

  get usedBytes(): number {
    return this.used
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  peek(key: string): V | undefined {
    return this.entries.get(key)?.value
  }

  /** Stores `value`, replacing any entry of `key` and evicting others until it fits. */
  set(key: string, value: V, size: number): void {
    if (size > this.maxBytes) throw new RangeError(`${size} bytes do not fit a budget of ${this.maxBytes} bytes`)
    this.delete(key)
    for (const [oldest, entry] of this.entries) {
      if (this.used + size <= this.maxBytes) break
      this.entries.delete(oldest)
      this.used -= entry.size
    }
    this.entries.set(key, { value, size })
    this.used += size
  }

  delete(key: string): boolean {
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    this.entries.delete(key)
    this.used -= entry.size
    return true
  }

  *values(): IterableIterator<V> {
    for (const entry of this.entries.values()) yield entry.value
  }
}
