import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { StoreUnavailableError, type Store } from '@tollgate/core';
import { redisStore, type RedisStore } from '../src/index.js';
import { eventually, localRedis, redisBinariesAvailable, requireOrSkip, type LocalRedis } from './helpers.js';

const UNREACHABLE = 'redis://127.0.0.1:1';
const now = (): number => Math.floor(Date.now() / 1000);

/** One call of every Store operation. */
const everyOperation = (store: Store): [string, () => Promise<unknown>][] => {
  const t = now();
  const rt = { hash: 'h', familyId: 'f', clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 60, familyExpiresAt: t + 60 };
  return [
    ['saveCode', () => store.saveCode({ hash: 'c', familyId: 'f', clientId: 'c', redirectUri: 'https://a.example', scope: 'a', subject: 's', authTime: t, issuedAt: t, expiresAt: t + 60 })],
    ['consumeCode', () => store.consumeCode('c')],
    ['saveRefreshToken', () => store.saveRefreshToken(rt)],
    ['rotateRefreshToken', () => store.rotateRefreshToken('f', 'h', { ...rt, hash: 'h2' })],
    ['findRefreshToken', () => store.findRefreshToken('f', 'h')],
    ['addFamilyAccessToken', () => store.addFamilyAccessToken('f', 'j', t + 60)],
    ['revokeFamily', () => store.revokeFamily('f', t + 60)],
    ['isFamilyRevoked', () => store.isFamilyRevoked('f')],
    ['revokeAccessToken', () => store.revokeAccessToken('j', t + 60)],
    ['isAccessTokenRevoked', () => store.isAccessTokenRevoked('j')],
    ['saveAccessToken', () => store.saveAccessToken({ hash: 'a', jti: 'j', clientId: 'c', subject: 's', scope: 'a', audience: [], issuedAt: t, expiresAt: t + 60 })],
    ['findAccessToken', () => store.findAccessToken('a')],
    ['increment', () => store.increment('k', 60)],
    ['getCounter', () => store.getCounter('k')],
    ['resetCounter', () => store.resetCounter('k')],
  ];
};

/** Run every operation at once; each must reject with StoreUnavailableError, and all within `withinMs`. */
async function expectAllUnavailable(store: Store, withinMs: number): Promise<void> {
  const started = Date.now();
  const outcomes = await Promise.allSettled(
    everyOperation(store).map(async ([name, call]) => {
      try {
        await call();
      } catch (error) {
        return { name, error, ms: Date.now() - started };
      }
      throw new Error(`${name} resolved although Redis is unreachable`);
    }),
  );
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') throw outcome.reason;
    expect(outcome.value.error, outcome.value.name).toBeInstanceOf(StoreUnavailableError);
    expect(outcome.value.ms, outcome.value.name).toBeLessThan(withinMs);
  }
}

describe('redisStore when Redis is unreachable', () => {
  it('store-outage-no-hang: every operation rejects with StoreUnavailableError within 2 s', async () => {
    const store = redisStore({ url: UNREACHABLE });
    try {
      await expectAllUnavailable(store, 2000);
      // Still fast on later calls: nothing piles up behind a dead connection.
      await expectAllUnavailable(store, 2000);
    } finally {
      await store.close();
    }
  });

  it('store-outage-no-hang: a given client with ioredis defaults (offline queue on) fails just as fast', async () => {
    const client = new Redis(UNREACHABLE);
    client.on('error', () => {});
    const store = redisStore({ client, commandTimeoutMs: 500 });
    try {
      await expectAllUnavailable(store, 1500);
    } finally {
      client.disconnect();
    }
  });

  it('a closed store rejects with StoreUnavailableError at once', async () => {
    const store = redisStore({ url: UNREACHABLE });
    await store.close();
    await expectAllUnavailable(store, 200);
  });
});

const skipLocal = requireOrSkip(redisBinariesAvailable(), 'the redis-server binary (for outage and recovery tests)');

describe.skipIf(skipLocal)('redisStore through an outage of its own redis-server', () => {
  let server: LocalRedis;
  let store: RedisStore;
  beforeAll(async () => {
    server = await localRedis();
    await server.start();
    store = redisStore({ url: server.url, commandTimeoutMs: 400 });
  });
  afterAll(async () => {
    await store?.close();
    await server?.dispose();
  });

  const roundTrip = async (label: string): Promise<void> => {
    const t = now();
    await store.saveCode({ hash: label, familyId: 'f', clientId: 'c', redirectUri: 'https://a.example', scope: 'a', subject: 's', authTime: t, issuedAt: t, expiresAt: t + 60 });
    expect((await store.consumeCode(label)).status).toBe('ok');
    expect((await store.consumeCode(label)).status).toBe('reused');
  };

  it('a command that hangs (CLIENT PAUSE) rejects with StoreUnavailableError after commandTimeoutMs, then works again', async () => {
    await roundTrip('before-pause');
    const admin = new Redis(server.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = Date.now();
      await expect(store.getCounter('paused')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1000);
      await eventually(() => roundTrip(`after-pause-${Date.now()}`), 5000);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => {});
      admin.disconnect();
    }
  });

  it('store-outage-recovery: fails fast while the server is down and works again, same store object, once it is back', async () => {
    await roundTrip('before-kill');
    await server.kill();
    await expectAllUnavailable(store, 1500);
    await sleep(500); // now the client is reconnecting: operations wait for it, up to commandTimeoutMs
    await expectAllUnavailable(store, 1500);
    await server.start();
    await eventually(() => roundTrip(`after-restart-${Date.now()}`), 10_000);
    // The scripts were flushed with the restart: EVALSHA fell back to EVAL and the rotation script works too.
    const t = now();
    const rt = { hash: 'r1', familyId: 'fr', clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 60, familyExpiresAt: t + 60 };
    await store.saveRefreshToken(rt);
    expect((await store.rotateRefreshToken('fr', 'r1', { ...rt, hash: 'r2' })).status).toBe('ok');
  });
});
