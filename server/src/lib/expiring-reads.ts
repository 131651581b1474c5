// Reads kept for a while, per key: a caller within ttlMs of a read shares it (one still running included),
// and a read that failed is forgotten at once, so the next caller reads again.
export class ExpiringReads<K, V> {
  readonly #entries = new Map<K, { value: Promise<V>; readAt: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: K, read: () => Promise<V>): Promise<V> {
    const now = performance.now();
    const cached = this.#entries.get(key);
    if (cached && now - cached.readAt < this.ttlMs) return cached.value;
    const entry = { value: read(), readAt: now };
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.value;
  }

  forget(keys: readonly K[]): void {
    for (const key of keys) this.#entries.delete(key);
  }
}
