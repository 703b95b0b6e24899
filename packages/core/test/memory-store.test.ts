import { describe, expect, it } from 'vitest';
import { runStoreContract } from '../../test-kit/src/store-contract.js';
import { memoryStore } from '../src/index.js';

const START = 1_750_000_000;

runStoreContract('memoryStore', async () => {
  let t = START;
  const store = memoryStore({ now: () => t });
  return {
    store,
    clock: {
      now: () => t,
      advance: (seconds) => {
        t += seconds;
      },
    },
    cleanup: async () => {
      await store.close?.();
    },
  };
});

describe('memoryStore stays bounded', () => {
  it('memory-exhaustion: 100k saved-then-expired refresh tokens are all gone after sweep()', async () => {
    let t = START;
    const store = memoryStore({ now: () => t, sweepIntervalMs: 3_600_000 });
    const total = 100_000;
    for (let i = 0; i < total; i++) {
      const familyId = `fam-${i % 1000}`;
      await store.saveRefreshToken({ hash: `h${i}`, familyId, clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 60, familyExpiresAt: t + 120 });
    }
    expect(store.size()).toBe(total + 1000);
    t += 60;
    store.sweep();
    // Tokens gone, and with them their families: a family with nothing live and no revocation is not kept.
    expect(store.size()).toBe(0);
    await store.close?.();
  });

  it('memory-exhaustion: every kind of entry is swept once expired', async () => {
    let t = START;
    const store = memoryStore({ now: () => t, sweepIntervalMs: 3_600_000 });
    for (let i = 0; i < 1000; i++) {
      await store.saveCode({ hash: `c${i}`, familyId: `f${i}`, clientId: 'c', redirectUri: 'https://a.example/cb', scope: 'a', subject: 's', authTime: t, issuedAt: t, expiresAt: t + 60 });
      await store.consumeCode(`c${i}`);
      await store.saveRefreshToken({ hash: `r${i}`, familyId: `f${i}`, clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 60, familyExpiresAt: t + 60 });
      await store.addFamilyAccessToken(`f${i}`, `j${i}`, t + 60);
      await store.revokeAccessToken(`x${i}`, t + 60);
      await store.saveAccessToken({ hash: `a${i}`, jti: `y${i}`, clientId: 'c', subject: 's', scope: 'a', audience: [], issuedAt: t, expiresAt: t + 60 });
      await store.increment(`k${i}`, 60);
    }
    for (let i = 0; i < 500; i++) await store.revokeFamily(`f${i}`, t + 60);
    expect(store.size()).toBeGreaterThan(5000);
    t += 60;
    store.sweep();
    expect(store.size()).toBe(0);
    await store.close?.();
  });
});
