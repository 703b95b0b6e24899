/**
 * A bounded cache of verified tokens: least recently used entries go first, each entry lives until its
 * token's `exp`, and `clear()` drops everything (called when the key set changes). Keys are SHA-256
 * hashes of tokens, never the tokens.
 */
export interface TokenCache<T> {
  /** Entries now held. */
  readonly size: number;
  /** Bumped by every `clear()`; a verification that started before a clear must not write back. */
  readonly generation: number;
  get(key: string, nowSeconds: number): T | undefined;
  /** Store `value` until `expiresAt` (seconds) unless the cache was cleared since `generation` was read. */
  set(key: string, value: T, expiresAt: number, generation: number): void;
  clear(): void;
}

/** Default number of cached tokens. */
export const DEFAULT_CACHE_ENTRIES = 10_000;

/** Create a {@link TokenCache}; `maxEntries` 0 disables caching. */
export function createTokenCache<T>(maxEntries: number): TokenCache<T> {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used.
  const entries = new Map<string, { value: T; expiresAt: number }>();
  let generation = 0;
  return {
    get size() {
      return entries.size;
    },
    get generation() {
      return generation;
    },
    get(key, nowSeconds) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= nowSeconds) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, expiresAt, since) {
      if (maxEntries === 0 || since !== generation) return;
      entries.delete(key);
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
      entries.set(key, { value, expiresAt });
    },
    clear() {
      generation += 1;
      entries.clear();
    },
  };
}
