/** Pre-seeding a store with live refresh tokens, straight through the Store API (`saveRefreshToken`). */
import { randomToken, sha256, type Store } from '@tollgate/core';
import { CLI_ID, SCOPE, USER_SUBJECT } from './shared.js';

/** Save `count` live refresh tokens, each the first of its own family (one sign-in each). */
export async function seedRefreshTokens(store: Store, count: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i += 1) {
    const familyId = randomToken(16).slice(0, 22);
    await store.saveRefreshToken({
      hash: sha256(`${familyId}.${randomToken(32)}`),
      familyId,
      clientId: CLI_ID,
      subject: `${USER_SUBJECT}-${i}`,
      scope: SCOPE,
      authTime: now,
      issuedAt: now,
      expiresAt: now + 14 * 86400,
      familyExpiresAt: now + 90 * 86400,
    });
  }
}
