import { scrypt, scryptSync, timingSafeEqual, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { AuthenticatedUser } from '@tollgate/core';

/** Demo users. A real app keeps these in its database, with passwords hashed by a slow KDF as here. */
const DEMO_USERS = [
  { username: 'alice', password: 'alice-password', subject: 'user-alice', name: 'Alice Example', email: 'alice@example.com' },
  { username: 'bob', password: 'bob-password', subject: 'user-bob', name: 'Bob Example', email: 'bob@example.com' },
];

interface StoredUser {
  username: string;
  subject: string;
  name: string;
  email: string;
  salt: Buffer;
  hash: Buffer;
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const hashPassword = (password: string, salt: Buffer): Buffer => scryptSync(password, salt, 32, SCRYPT);
// At sign-in the hash runs on libuv's thread pool, so a slow KDF never blocks the event loop.
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number, options: typeof SCRYPT) => Promise<Buffer>;

const users = new Map<string, StoredUser>(
  DEMO_USERS.map(({ password, ...user }) => {
    const salt = randomBytes(16);
    return [user.username, { ...user, salt, hash: hashPassword(password, salt) }];
  }),
);
const dummySalt = randomBytes(16);
const dummyHash = hashPassword('not-a-password', dummySalt);

/** Check a username and password; unknown users cost the same time as known ones. */
export async function checkPassword(username: string, password: string): Promise<AuthenticatedUser | undefined> {
  const user = users.get(username);
  const actual = await scryptAsync(password, user?.salt ?? dummySalt, 32, SCRYPT);
  const ok = timingSafeEqual(actual, user?.hash ?? dummyHash) && user !== undefined;
  return ok ? { subject: user.subject, claims: { name: user.name } } : undefined;
}

/** Profile claims for the userinfo endpoint. */
export function profile(subject: string): Record<string, unknown> | undefined {
  for (const user of users.values()) {
    if (user.subject === subject) return { sub: user.subject, name: user.name, preferred_username: user.username, email: user.email };
  }
  return undefined;
}

export const demoUsers = DEMO_USERS.map(({ username, password }) => ({ username, password }));
