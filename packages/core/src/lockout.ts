import type { Store } from './store/types.js';

/** Lock-out settings: `maxAttempts` failures within `windowSeconds` lock a username for the rest of the window. */
export interface LockoutOptions {
  maxAttempts?: number;
  windowSeconds?: number;
}

/** Counts failed sign-ins per username in the store, so every instance sees the same lock. */
export interface Lockout {
  isLocked(username: string): Promise<boolean>;
  failed(username: string): Promise<void>;
  succeeded(username: string): Promise<void>;
}

const key = (username: string): string => `password-failures:${username.normalize('NFC').toLowerCase()}`;

/** A lock-out on `store`, or one that never locks when `options` is `false`. */
export function createLockout(store: Store, options: LockoutOptions | false | undefined): Lockout {
  if (options === false) return { isLocked: async () => false, failed: async () => undefined, succeeded: async () => undefined };
  const maxAttempts = options?.maxAttempts ?? 5;
  const windowSeconds = options?.windowSeconds ?? 900;
  return {
    isLocked: async (username) => (await store.getCounter(key(username))) >= maxAttempts,
    failed: async (username) => {
      await store.increment(key(username), windowSeconds);
    },
    succeeded: (username) => store.resetCounter(key(username)),
  };
}
