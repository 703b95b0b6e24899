import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { runStoreContract } from '@tollgate/test-kit/store-contract';
import { redisStore, type RedisStore } from '../src/index.js';
import { dropPrefix, REDIS_URL, redisReachable, requireOrSkip, uniquePrefix } from './helpers.js';

const skip = requireOrSkip(await redisReachable(REDIS_URL), `Redis at ${REDIS_URL}`);

describe.skipIf(skip)('redisStore on a single Redis node', () => {
  runStoreContract('redisStore', async () => {
    const prefix = uniquePrefix();
    const store = redisStore({ url: REDIS_URL, prefix });
    return {
      store,
      cleanup: async () => {
        await dropPrefix(store.client as Redis, prefix);
        await store.close();
      },
    };
  });

  describe('Redis specifics', () => {
    const prefix = uniquePrefix();
    let store: RedisStore;
    let admin: Redis;
    beforeAll(() => {
      store = redisStore({ url: REDIS_URL, prefix });
      admin = new Redis(REDIS_URL);
    });
    afterAll(async () => {
      await dropPrefix(admin, prefix);
      await store.close();
      await admin.quit();
    });

    const now = (): number => Math.floor(Date.now() / 1000);
    const rt = (familyId: string, hash: string) => ({
      hash,
      familyId,
      clientId: 'c',
      subject: 's',
      scope: 'a',
      issuedAt: now(),
      expiresAt: now() + 3600,
      familyExpiresAt: now() + 7200,
    });

    it('memory-exhaustion: every key the store writes carries a TTL', async () => {
      const t = now();
      await store.saveCode({ hash: 'code1', familyId: 'f1', clientId: 'c', redirectUri: 'https://a.example', scope: 'a', subject: 's', authTime: t, issuedAt: t, expiresAt: t + 60 });
      await store.consumeCode('code1');
      await store.saveRefreshToken(rt('f1', 'h1'));
      await store.rotateRefreshToken('f1', 'h1', rt('f1', 'h2'));
      await store.addFamilyAccessToken('f1', 'jti1', t + 300);
      await store.saveRefreshToken(rt('f2', 'h3'));
      await store.addFamilyAccessToken('f2', 'jti2', t + 300);
      await store.revokeFamily('f2', t + 600);
      await store.revokeAccessToken('jti3', t + 300);
      await store.saveAccessToken({ hash: 'at1', jti: 'jti4', clientId: 'c', subject: 's', scope: 'a', audience: [], issuedAt: t, expiresAt: t + 300 });
      await store.increment('ctr1', 60);

      const keys = await admin.keys(`${prefix}:*`);
      expect(keys.length).toBeGreaterThanOrEqual(10);
      for (const key of keys) {
        expect(key.startsWith(`${prefix}:`)).toBe(true);
        const ttl = await admin.pttl(key);
        expect(ttl, key).toBeGreaterThan(0);
      }
      // Family keys live no longer than what they guard.
      expect(await admin.pttl(`${prefix}:fam:{f1}`)).toBeLessThanOrEqual(7200 * 1000);
    });

    it('stores hashes and records only: refresh tokens live under prefix:rt:{familyId}:hash', async () => {
      await store.saveRefreshToken(rt('fam-x', 'hash-x'));
      expect(await admin.hget(`${prefix}:rt:{fam-x}:hash-x`, 'r')).toContain('"familyId":"fam-x"');
      expect(await admin.exists(`${prefix}:fam:{fam-x}`)).toBe(1);
    });

    it('hash-tag-escape: family ids with braces or nothing in them still rotate and revoke as one family', async () => {
      for (const familyId of ['', '{evil}', '}x{', 'a b:c', 'ünï']) {
        await store.saveRefreshToken(rt(familyId, `${familyId}-1`));
        expect((await store.rotateRefreshToken(familyId, `${familyId}-1`, rt(familyId, `${familyId}-2`))).status).toBe('ok');
        expect((await store.rotateRefreshToken(familyId, `${familyId}-1`, rt(familyId, `${familyId}-3`))).status).toBe('reused');
        await expect(store.isFamilyRevoked(familyId)).resolves.toBe(true);
        await expect(store.findRefreshToken(familyId, `${familyId}-2`)).resolves.toBeUndefined();
      }
      await expect(store.isFamilyRevoked('evil')).resolves.toBe(false);
    });

    it('works through a client it was given, and leaves that client open on close()', async () => {
      const client = new Redis(REDIS_URL);
      const given = redisStore({ client, prefix });
      await given.saveRefreshToken(rt('fam-given', 'g1'));
      expect((await given.rotateRefreshToken('fam-given', 'g1', rt('fam-given', 'g2'))).status).toBe('ok');
      await expect(store.findRefreshToken('fam-given', 'g2')).resolves.toMatchObject({ hash: 'g2' });
      await given.close();
      expect(client.status).toBe('ready');
      await client.quit();
    });

    it('rejects misuse with a TypeError: a next token of another family, a bad prefix', async () => {
      await store.saveRefreshToken(rt('fam-y', 'y1'));
      await expect(store.rotateRefreshToken('fam-y', 'y1', rt('fam-z', 'y2'))).rejects.toBeInstanceOf(TypeError);
      expect(() => redisStore({ url: REDIS_URL, prefix: 'a{b}' })).toThrow(TypeError);
      expect(() => redisStore({})).toThrow(TypeError);
    });
  });
});
