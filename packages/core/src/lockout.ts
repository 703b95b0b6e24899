import type { Store } from './store/types.js';

/** Lock-out settings: `maxAttempts` failures within `windowSeconds` lock a username for the rest of the window. */
export interface LockoutOptions {
  maxAttempts?: number;
  windowSeconds?: number;
  /**
   * What a lock applies to. Default: the username, case-folded. Return e.g. `${query.get('partnerId')}:${username}`
   * where usernames are unique only within a tenant.
   */
  key?: (subject: LockoutSubject) => string;
}

/** What a lock-out key is computed from. */
export interface LockoutSubject {
  username: string;
  clientId: string;
  params: ReadonlyMap<string, string>;
  query: ReadonlyMap<string, string>;
}

/**
 * Counts sign-in attempts per username in the store, so every instance sees the same lock. An attempt is
 * reserved with the store's atomic increment before the password is checked, so parallel guesses cannot
 * get past `maxAttempts`; a success clears the count.
 */
export interface Lockout {
  /** Reserve one attempt; `false` when the username is locked (the password must then not be checked). */
  reserve(subject: LockoutSubject): Promise<boolean>;
  succeeded(subject: LockoutSubject): Promise<void>;
}

const defaultKey = (subject: LockoutSubject): string => subject.username.normalize('NFC').toLowerCase();

/** A lock-out on `store`, or one that never locks when `options` is `false`. */
export function createLockout(store: Store, options: LockoutOptions | false | undefined): Lockout {
  if (options === false) return { reserve: async () => true, succeeded: async () => undefined };
  const maxAttempts = options?.maxAttempts ?? 5;
  const windowSeconds = options?.windowSeconds ?? 900;
  const keyOf = options?.key ?? defaultKey;
  const key = (subject: LockoutSubject): string => `password-failures:${keyOf(subject)}`;
  return {
    reserve: async (subject) => (await store.increment(key(subject), windowSeconds)) <= maxAttempts,
    succeeded: (subject) => store.resetCounter(key(subject)),
  };
}
