import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { AuthenticatedUser } from '@tollgate/core';
import { passwordOf } from './config.js';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

/** The same cost as the express-server example's users, but async (libuv's thread pool), as a server under load should. */
const COST = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const hash = (password: string, salt: Buffer): Promise<Buffer> => scrypt(password, salt, 32, COST);

interface User {
  subject: string;
  salt: Buffer;
  hash: Buffer;
}

/** `user-0` … `user-<count-1>`, each with its own salted scrypt hash, built at start. */
export async function createUsers(count: number): Promise<{
  check(username: string, password: string): Promise<AuthenticatedUser | undefined>;
  profile(subject: string): Record<string, unknown> | undefined;
}> {
  const users = new Map<string, User>();
  await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const salt = randomBytes(16);
      users.set(`user-${n}`, { subject: `sub-${n}`, salt, hash: await hash(passwordOf(n), salt) });
    }),
  );
  const dummySalt = randomBytes(16);
  const dummyHash = await hash('not-a-password', dummySalt);
  return {
    async check(username, password) {
      const user = users.get(username);
      const actual = await hash(password, user?.salt ?? dummySalt);
      const ok = timingSafeEqual(actual, user?.hash ?? dummyHash) && user !== undefined;
      return ok ? { subject: user.subject, claims: { name: `User ${username}` } } : undefined;
    },
    profile(subject) {
      const n = /^sub-(\d+)$/.exec(subject)?.[1];
      return n === undefined || !users.has(`user-${n}`) ? undefined : { sub: subject, preferred_username: `user-${n}`, name: `User user-${n}` };
    },
  };
}
