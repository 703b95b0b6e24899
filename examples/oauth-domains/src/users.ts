import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** Demo users. A real PrivX keeps these in its user directory; passwords are hashed with a slow KDF as here. */
const DEMO_USERS = [
  // The `userid` of the document's example token.
  { username: 'alice', password: 'alice-password', id: 'a8c26395-32fc-4127-bdb7-809ee8a203f2', permissions: ['privx-admin', 'privx-user'] },
  // A user whose permission lookup fails: shows a hook failure answered as 500 server_error.
  { username: 'broken', password: 'broken-password', id: '5b0e6a43-7d1c-4f0e-9a51-0c6f3f7a2d19', permissions: undefined },
];

interface StoredUser {
  username: string;
  id: string;
  permissions: readonly string[] | undefined;
  salt: Buffer;
  hash: Buffer;
}

const hashPassword = (password: string, salt: Buffer): Buffer => scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });

const users = new Map<string, StoredUser>(
  DEMO_USERS.map(({ password, ...user }) => {
    const salt = randomBytes(16);
    return [user.username, { ...user, salt, hash: hashPassword(password, salt) }];
  }),
);
const dummySalt = randomBytes(16);
const dummyHash = hashPassword('not-a-password', dummySalt);

/** Check a username and password; unknown users cost the same time as known ones. Answers the user id. */
export function checkPassword(username: string, password: string): string | undefined {
  const user = users.get(username);
  const actual = hashPassword(password, user?.salt ?? dummySalt);
  const ok = timingSafeEqual(actual, user?.hash ?? dummyHash) && user !== undefined;
  return ok ? user.id : undefined;
}

/** A user's PrivX permissions, looked up at every token issuance (so a refresh sees changes). Throws when the directory has none. */
export function permissionsOf(userId: string): readonly string[] {
  for (const user of users.values()) {
    if (user.id !== userId) continue;
    if (user.permissions === undefined) throw new Error(`permission directory: no permission record for user ${user.username}`);
    return user.permissions;
  }
  throw new Error('permission directory: unknown user');
}

export const demoUsers = DEMO_USERS.map(({ username, password }) => ({ username, password }));
