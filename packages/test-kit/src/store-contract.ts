import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken, sha256 } from '@tollgate/core';
import type { AccessTokenRecord, CodeRecord, RefreshTokenRecord, RotateResult, Store } from '@tollgate/core';

/** A clock the store under test reads, so expiry tests move time instead of waiting for it. */
export interface StoreContractClock {
  /** Current time as the store sees it, in whole seconds since the epoch. */
  now(): number;
  /** Move the store's clock forward by `seconds`. */
  advance(seconds: number): void;
}

/** What a {@link StoreContractFactory} hands to the suite. */
export interface StoreContractSubject {
  /** The store under test. It is shared by every test of the suite; each test uses its own random keys. */
  store: Store;
  /**
   * The store's clock, when it can be controlled (`memoryStore({ now })`). Omit it for a store on real time
   * (Redis TTLs, a database): expiry tests then save entries that live about one second and wait for them.
   */
  clock?: StoreContractClock;
  /** Close the store and drop whatever the factory created (key prefix, schema). */
  cleanup(): Promise<void>;
}

/** Creates the store under test; called once per suite, before the first test. */
export type StoreContractFactory = () => Promise<StoreContractSubject>;

const PARALLEL = 50;

/**
 * The contract every {@link Store} must pass: consume-once codes, refresh-token rotation with reuse detection
 * and family revocation, the revocation list, opaque access tokens and counters, exact record round-trips,
 * and atomicity under 50 parallel callers. Run it once per store implementation:
 *
 * ```ts
 * runStoreContract('memoryStore', async () => ({ store: memoryStore(), cleanup: async () => {} }));
 * ```
 */
export function runStoreContract(name: string, factory: StoreContractFactory): void {
  describe(`Store contract: ${name}`, () => {
    let subject: StoreContractSubject | undefined;

    beforeAll(async () => {
      subject = await factory();
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    const store = (): Store => {
      if (!subject) throw new Error('store factory did not run');
      return subject.store;
    };
    const now = (): number => subject?.clock?.now() ?? Math.floor(Date.now() / 1000);

    /** An `expiresAt` that is live now and passes within about a second and a half. */
    const shortExpiry = (): number => {
      if (subject?.clock) return subject.clock.now() + 1;
      const ms = Date.now();
      const next = Math.floor(ms / 1000) + 1;
      // At least 300 ms of life, so the "still live" assertions made right after saving hold.
      return next * 1000 - ms >= 300 ? next : next + 1;
    };
    /** Let time run until `expiresAt` has passed (`expiresAt <= now`). */
    const passExpiry = async (expiresAt: number): Promise<void> => {
      const clock = subject?.clock;
      if (clock) {
        const delta = expiresAt - clock.now();
        if (delta > 0) clock.advance(delta);
        return;
      }
      const wait = expiresAt * 1000 + 60 - Date.now();
      if (wait > 0) await sleep(wait);
    };

    const hash = (): string => sha256(randomToken());
    const id = (label: string): string => `${label}-${randomUUID()}`;

    const codeRecord = (overrides: Partial<CodeRecord> = {}): CodeRecord => {
      const t = now();
      return {
        hash: hash(),
        familyId: id('fam'),
        clientId: 'client-1',
        redirectUri: 'https://app.example/callback',
        scope: 'openid profile',
        subject: 'user-1',
        authTime: t - 5,
        issuedAt: t,
        expiresAt: t + 60,
        ...overrides,
      };
    };
    const refreshRecord = (familyId: string, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => {
      const t = now();
      return {
        hash: hash(),
        familyId,
        clientId: 'client-1',
        subject: 'user-1',
        scope: 'openid offline_access',
        issuedAt: t,
        expiresAt: t + 3600,
        familyExpiresAt: t + 86_400,
        ...overrides,
      };
    };
    const accessRecord = (overrides: Partial<AccessTokenRecord> = {}): AccessTokenRecord => {
      const t = now();
      return {
        hash: hash(),
        jti: id('jti'),
        clientId: 'client-1',
        subject: 'user-1',
        scope: 'orders:read',
        audience: ['https://api.example'],
        issuedAt: t,
        expiresAt: t + 300,
        ...overrides,
      };
    };
    /** Claims with everything JSON can carry, to catch lossy serialisation. */
    const richClaims = (): Record<string, unknown> => ({
      role: 'admin',
      tenant: { id: 42, name: 'Zoë & Co. <ünïcødé> 🚀', tags: ['a', 'b'], nested: { deep: [1, 2.5, -3, { x: null }] } },
      flags: [true, false],
      empty: {},
      emptyList: [],
      zero: 0,
      big: 9_007_199_254_740_991,
      float: 0.1,
      quote: 'it\'s "quoted" \\ back\nslash',
      nothing: null,
    });

    /** A family with one saved refresh token. */
    const family = async (overrides: Partial<RefreshTokenRecord> = {}): Promise<{ familyId: string; first: RefreshTokenRecord }> => {
      const familyId = id('fam');
      const first = refreshRecord(familyId, overrides);
      await store().saveRefreshToken(first);
      return { familyId, first };
    };

    describe('authorization codes', () => {
      it('consumes a live code once: the first consumeCode is ok with the record', async () => {
        const record = codeRecord();
        await store().saveCode(record);
        await expect(store().consumeCode(record.hash)).resolves.toEqual({ status: 'ok', record });
      });

      it('code-replay: every later consumeCode is reused with the same record (RFC 6749 §4.1.2)', async () => {
        const record = codeRecord();
        await store().saveCode(record);
        expect((await store().consumeCode(record.hash)).status).toBe('ok');
        for (let i = 0; i < 3; i++) {
          await expect(store().consumeCode(record.hash)).resolves.toEqual({ status: 'reused', record });
        }
      });

      it('an unknown code is missing', async () => {
        await expect(store().consumeCode(hash())).resolves.toEqual({ status: 'missing' });
      });

      it('code-expiry: a code saved already expired is missing', async () => {
        const t = now();
        const record = codeRecord({ issuedAt: t - 120, expiresAt: t - 60 });
        await store().saveCode(record);
        await expect(store().consumeCode(record.hash)).resolves.toEqual({ status: 'missing' });
      });

      it('code-expiry: once a code expires it is missing, whether it was redeemed or not', async () => {
        const expiresAt = shortExpiry();
        const unused = codeRecord({ expiresAt });
        const used = codeRecord({ expiresAt });
        await store().saveCode(unused);
        await store().saveCode(used);
        expect((await store().consumeCode(used.hash)).status).toBe('ok');
        await passExpiry(expiresAt);
        await expect(store().consumeCode(unused.hash)).resolves.toEqual({ status: 'missing' });
        await expect(store().consumeCode(used.hash)).resolves.toEqual({ status: 'missing' });
      });

      it('codes are independent: redeeming one leaves another unredeemed', async () => {
        const a = codeRecord();
        const b = codeRecord({ familyId: a.familyId });
        await store().saveCode(a);
        await store().saveCode(b);
        expect((await store().consumeCode(a.hash)).status).toBe('ok');
        expect((await store().consumeCode(b.hash)).status).toBe('ok');
      });

      it('code-double-redemption: 50 parallel consumeCode of one code give exactly one ok and 49 reused', async () => {
        const record = codeRecord();
        await store().saveCode(record);
        const results = await Promise.all(Array.from({ length: PARALLEL }, () => store().consumeCode(record.hash)));
        expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'reused')).toHaveLength(PARALLEL - 1);
        for (const result of results) expect(result).toEqual({ status: expect.any(String), record });
      });

      it('round-trips a code record exactly, with every optional field and JSON claims', async () => {
        const full = codeRecord({
          codeChallenge: sha256('verifier'),
          codeChallengeMethod: 'S256',
          claims: richClaims(),
          nonce: 'n-0S6_WzA2Mj',
          redirectUri: 'https://app.example/callback?x=1&y=%20',
        });
        const minimal = codeRecord();
        await store().saveCode(full);
        await store().saveCode(minimal);
        const gotFull = await store().consumeCode(full.hash);
        const gotMinimal = await store().consumeCode(minimal.hash);
        expect(gotFull).toEqual({ status: 'ok', record: full });
        expect(gotMinimal).toEqual({ status: 'ok', record: minimal });
        if (gotMinimal.status !== 'missing') {
          for (const key of ['codeChallenge', 'codeChallengeMethod', 'claims', 'nonce'] as const) expect(gotMinimal.record[key]).toBeUndefined();
        }
      });

      it('stores a copy: changing the caller\'s object after saveCode does not change the stored code', async () => {
        const record = codeRecord({ claims: { role: 'user', nested: { level: 1 } } });
        const expected = structuredClone(record);
        await store().saveCode(record);
        record.scope = 'admin';
        (record.claims as { nested: { level: number } }).nested.level = 99;
        await expect(store().consumeCode(expected.hash)).resolves.toEqual({ status: 'ok', record: expected });
      });
    });

    describe('refresh tokens', () => {
      it('round-trips a refresh token record exactly, with every optional field and JSON claims', async () => {
        const familyId = id('fam');
        const full = refreshRecord(familyId, { claims: richClaims(), authTime: now() - 30 });
        const minimal = refreshRecord(familyId);
        await store().saveRefreshToken(full);
        await store().saveRefreshToken(minimal);
        await expect(store().findRefreshToken(familyId, full.hash)).resolves.toEqual(full);
        const found = await store().findRefreshToken(familyId, minimal.hash);
        expect(found).toEqual(minimal);
        expect(found?.claims).toBeUndefined();
        expect(found?.authTime).toBeUndefined();
        expect(found?.spentAt).toBeUndefined();
      });

      it('finds nothing for an unknown hash or under another family', async () => {
        const { familyId, first } = await family();
        await expect(store().findRefreshToken(familyId, hash())).resolves.toBeUndefined();
        await expect(store().findRefreshToken(id('fam'), first.hash)).resolves.toBeUndefined();
      });

      it('rotates a live token once: ok with the previous record; the next token is stored; the old one is spent', async () => {
        const { familyId, first } = await family({ claims: { plan: 'pro' } });
        const next = refreshRecord(familyId, { claims: { plan: 'pro' } });
        const result = await store().rotateRefreshToken(familyId, first.hash, next);
        expect(result).toEqual({ status: 'ok', previous: first });
        await expect(store().findRefreshToken(familyId, next.hash)).resolves.toEqual(next);
        const spent = await store().findRefreshToken(familyId, first.hash);
        expect(spent).toEqual({ ...first, spentAt: expect.any(Number) });
        expect(spent?.spentAt).toBeGreaterThanOrEqual(now() - 5);
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(false);
      });

      it('rotates along a chain: each newest token rotates once', async () => {
        const { familyId, first } = await family();
        let current = first;
        for (let i = 0; i < 4; i++) {
          const next = refreshRecord(familyId);
          const result = await store().rotateRefreshToken(familyId, current.hash, next);
          expect(result.status).toBe('ok');
          current = next;
        }
        await expect(store().findRefreshToken(familyId, current.hash)).resolves.toEqual(current);
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(false);
      });

      it('refresh-reuse-revokes-family: rotating a spent token again is reused and kills every token of the family', async () => {
        const { familyId, first } = await family();
        const second = refreshRecord(familyId);
        expect((await store().rotateRefreshToken(familyId, first.hash, second)).status).toBe('ok');

        const replay = refreshRecord(familyId);
        const result = await store().rotateRefreshToken(familyId, first.hash, replay);
        expect(result.status).toBe('reused');
        if (result.status === 'reused') {
          const { spentAt, ...rest } = result.previous;
          expect(rest).toEqual(first);
          expect(spentAt).toEqual(expect.any(Number));
        }

        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(true);
        // The legitimate holder's newer token dies too: the store cannot tell who is the thief.
        await expect(store().findRefreshToken(familyId, second.hash)).resolves.toBeUndefined();
        await expect(store().findRefreshToken(familyId, replay.hash)).resolves.toBeUndefined();
        await expect(store().findRefreshToken(familyId, first.hash)).resolves.toBeUndefined();
        await expect(store().rotateRefreshToken(familyId, second.hash, refreshRecord(familyId))).resolves.toEqual({ status: 'invalid' });
        await expect(store().rotateRefreshToken(familyId, replay.hash, refreshRecord(familyId))).resolves.toEqual({ status: 'invalid' });
      });

      it('refresh-reuse-revokes-access-tokens: access tokens recorded in the family go on the revocation list', async () => {
        const { familyId, first } = await family();
        const t = now();
        const jtiA = id('jti');
        const jtiB = id('jti');
        const bystander = id('jti');
        await store().addFamilyAccessToken(familyId, jtiA, t + 300);
        await store().addFamilyAccessToken(familyId, jtiB, t + 600);
        const other = await family();
        await store().addFamilyAccessToken(other.familyId, bystander, t + 300);
        await expect(store().isAccessTokenRevoked(jtiA)).resolves.toBe(false);

        expect((await store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId))).status).toBe('ok');
        expect((await store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId))).status).toBe('reused');

        await expect(store().isAccessTokenRevoked(jtiA)).resolves.toBe(true);
        await expect(store().isAccessTokenRevoked(jtiB)).resolves.toBe(true);
        await expect(store().isAccessTokenRevoked(bystander)).resolves.toBe(false);
        await expect(store().isFamilyRevoked(other.familyId)).resolves.toBe(false);
      });

      it('revoked-family-stays-revoked: an access token recorded after revocation is revoked at once', async () => {
        const { familyId } = await family();
        await store().revokeFamily(familyId, now() + 3600);
        const late = id('jti');
        await store().addFamilyAccessToken(familyId, late, now() + 300);
        await expect(store().isAccessTokenRevoked(late)).resolves.toBe(true);
      });

      it('revoked-family-stays-revoked: saving a refresh token into a revoked family does not bring it back', async () => {
        const { familyId, first } = await family();
        await store().revokeFamily(familyId, now() + 3600);
        await expect(store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId))).resolves.toEqual({ status: 'invalid' });
        const late = refreshRecord(familyId);
        await store().saveRefreshToken(late);
        await expect(store().findRefreshToken(familyId, late.hash)).resolves.toBeUndefined();
        await expect(store().rotateRefreshToken(familyId, late.hash, refreshRecord(familyId))).resolves.toEqual({ status: 'invalid' });
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(true);
      });

      it('grace: re-rotating a just-spent token within graceSeconds is ok and revokes nothing; after the grace it is reuse', async () => {
        const { familyId, first } = await family();
        const t = now();
        const second = refreshRecord(familyId);
        expect((await store().rotateRefreshToken(familyId, first.hash, second, { now: t })).status).toBe('ok');

        const retry = refreshRecord(familyId);
        const result = await store().rotateRefreshToken(familyId, first.hash, retry, { graceSeconds: 10, now: t + 2 });
        expect(result.status).toBe('ok');
        if (result.status === 'ok') expect(result.previous.hash).toBe(first.hash);
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(false);
        await expect(store().findRefreshToken(familyId, second.hash)).resolves.toEqual(second);
        await expect(store().findRefreshToken(familyId, retry.hash)).resolves.toEqual(retry);

        const late = await store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId), { graceSeconds: 10, now: t + 11 });
        expect(late.status).toBe('reused');
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(true);
        await expect(store().findRefreshToken(familyId, retry.hash)).resolves.toBeUndefined();
      });

      it('refresh-reuse-revokes-family: without graceSeconds an immediate retry is already reuse', async () => {
        const { familyId, first } = await family();
        const t = now();
        expect((await store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId), { now: t })).status).toBe('ok');
        expect((await store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId), { now: t, graceSeconds: 0 })).status).toBe('reused');
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(true);
      });

      it('cross-family-rotation: rotating a token under another familyId is invalid and neither spends nor revokes', async () => {
        const victim = await family();
        const attacker = await family();
        const stolenNext = refreshRecord(attacker.familyId);
        await expect(store().rotateRefreshToken(attacker.familyId, victim.first.hash, stolenNext)).resolves.toEqual({ status: 'invalid' });
        const unknownFamily = id('fam');
        await expect(store().rotateRefreshToken(unknownFamily, victim.first.hash, refreshRecord(unknownFamily))).resolves.toEqual({ status: 'invalid' });
        await expect(store().findRefreshToken(attacker.familyId, stolenNext.hash)).resolves.toBeUndefined();
        await expect(store().isFamilyRevoked(victim.familyId)).resolves.toBe(false);
        await expect(store().isFamilyRevoked(attacker.familyId)).resolves.toBe(false);
        await expect(store().findRefreshToken(victim.familyId, victim.first.hash)).resolves.toEqual(victim.first);
        expect((await store().rotateRefreshToken(victim.familyId, victim.first.hash, refreshRecord(victim.familyId))).status).toBe('ok');
      });

      it('guessed-token-cannot-revoke: rotating an unknown hash is invalid and leaves the family alone', async () => {
        const { familyId, first } = await family();
        await expect(store().rotateRefreshToken(familyId, hash(), refreshRecord(familyId))).resolves.toEqual({ status: 'invalid' });
        const unknownFamily = id('fam');
        await expect(store().rotateRefreshToken(unknownFamily, hash(), refreshRecord(unknownFamily))).resolves.toEqual({ status: 'invalid' });
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(false);
        expect((await store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId))).status).toBe('ok');
      });

      it('refresh-expiry: a token past its expiresAt or its familyExpiresAt is invalid', async () => {
        const t = now();
        const { familyId, first } = await family({ expiresAt: t + 100, familyExpiresAt: t + 1000 });
        await expect(store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId), { now: t + 100 })).resolves.toEqual({ status: 'invalid' });
        const capped = await family({ expiresAt: t + 1000, familyExpiresAt: t + 100 });
        await expect(store().rotateRefreshToken(capped.familyId, capped.first.hash, refreshRecord(capped.familyId), { now: t + 150 })).resolves.toEqual({ status: 'invalid' });
        // Neither attempt counted as a rotation: both tokens still rotate at the real time.
        expect((await store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId))).status).toBe('ok');
        expect((await store().rotateRefreshToken(capped.familyId, capped.first.hash, refreshRecord(capped.familyId))).status).toBe('ok');
      });

      it('refresh-expiry: once a token expires it can be neither found nor rotated', async () => {
        const expiresAt = shortExpiry();
        const { familyId, first } = await family({ expiresAt });
        const capped = await family({ familyExpiresAt: expiresAt });
        await expect(store().findRefreshToken(familyId, first.hash)).resolves.toEqual(first);
        await passExpiry(expiresAt);
        await expect(store().findRefreshToken(familyId, first.hash)).resolves.toBeUndefined();
        await expect(store().findRefreshToken(capped.familyId, capped.first.hash)).resolves.toBeUndefined();
        await expect(store().rotateRefreshToken(familyId, first.hash, refreshRecord(familyId))).resolves.toEqual({ status: 'invalid' });
        await expect(store().rotateRefreshToken(capped.familyId, capped.first.hash, refreshRecord(capped.familyId))).resolves.toEqual({ status: 'invalid' });
      });

      it('revokeFamily kills the family\'s refresh and access tokens and is idempotent', async () => {
        const { familyId, first } = await family();
        const second = refreshRecord(familyId);
        expect((await store().rotateRefreshToken(familyId, first.hash, second)).status).toBe('ok');
        const jti = id('jti');
        await store().addFamilyAccessToken(familyId, jti, now() + 300);

        await store().revokeFamily(familyId, now() + 3600);
        await store().revokeFamily(familyId, now() + 3600);
        await store().revokeFamily(familyId, now() + 60);

        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(true);
        await expect(store().isAccessTokenRevoked(jti)).resolves.toBe(true);
        await expect(store().findRefreshToken(familyId, second.hash)).resolves.toBeUndefined();
        await expect(store().rotateRefreshToken(familyId, second.hash, refreshRecord(familyId))).resolves.toEqual({ status: 'invalid' });
      });

      it('revokeFamily of a family the store never saw marks it revoked', async () => {
        const familyId = id('fam');
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(false);
        await store().revokeFamily(familyId, now() + 3600);
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(true);
      });

      it('refresh-double-rotation: 50 parallel rotations of one token give exactly one ok and revoke the family', async () => {
        const { familyId, first } = await family();
        const nexts = Array.from({ length: PARALLEL }, () => refreshRecord(familyId));
        const results: RotateResult[] = await Promise.all(nexts.map((next) => store().rotateRefreshToken(familyId, first.hash, next)));
        const count = (status: RotateResult['status']): number => results.filter((r) => r.status === status).length;
        expect(count('ok')).toBe(1);
        // The first loser revokes the family and is `reused`; callers that arrive after the revocation may see `invalid`.
        expect(count('reused')).toBeGreaterThanOrEqual(1);
        expect(count('ok') + count('reused') + count('invalid')).toBe(PARALLEL);
        for (const result of results) if (result.status !== 'invalid') expect(result.previous.hash).toBe(first.hash);
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(true);
        for (const next of nexts) {
          await expect(store().findRefreshToken(familyId, next.hash)).resolves.toBeUndefined();
        }
        const winner = nexts[results.findIndex((r) => r.status === 'ok')];
        if (!winner) throw new Error('no winner');
        await expect(store().rotateRefreshToken(familyId, winner.hash, refreshRecord(familyId))).resolves.toEqual({ status: 'invalid' });
      });

      it('refresh-double-rotation: 50 parallel rotations within a grace period never revoke and all succeed', async () => {
        const { familyId, first } = await family();
        const nexts = Array.from({ length: PARALLEL }, () => refreshRecord(familyId));
        const results = await Promise.all(nexts.map((next) => store().rotateRefreshToken(familyId, first.hash, next, { graceSeconds: 30 })));
        expect(results.filter((r) => r.status === 'ok')).toHaveLength(PARALLEL);
        await expect(store().isFamilyRevoked(familyId)).resolves.toBe(false);
        const spent = await store().findRefreshToken(familyId, first.hash);
        expect(spent?.spentAt).toEqual(expect.any(Number));
      });
    });

    describe('access-token revocation list', () => {
      it('an unknown jti is not revoked', async () => {
        await expect(store().isAccessTokenRevoked(id('jti'))).resolves.toBe(false);
      });

      it('revoked-jti-expiry: a revoked jti is remembered until it expires and forgotten after', async () => {
        const expiresAt = shortExpiry();
        const jti = id('jti');
        await store().revokeAccessToken(jti, expiresAt);
        await expect(store().isAccessTokenRevoked(jti)).resolves.toBe(true);
        await passExpiry(expiresAt);
        await expect(store().isAccessTokenRevoked(jti)).resolves.toBe(false);
      });

      it('a revocation that has already expired is not recorded', async () => {
        const jti = id('jti');
        await store().revokeAccessToken(jti, now() - 1);
        await expect(store().isAccessTokenRevoked(jti)).resolves.toBe(false);
      });

      it('revocation-cannot-be-shortened: revoking again with an earlier expiresAt keeps the later one', async () => {
        const short = shortExpiry();
        const jti = id('jti');
        await store().revokeAccessToken(jti, now() + 3600);
        await store().revokeAccessToken(jti, short);
        const family2 = await family();
        const famJti = id('jti');
        await store().addFamilyAccessToken(family2.familyId, famJti, now() + 3600);
        await store().revokeAccessToken(famJti, short);
        await store().revokeFamily(family2.familyId, now() + 3600);
        await passExpiry(short);
        await expect(store().isAccessTokenRevoked(jti)).resolves.toBe(true);
        await expect(store().isAccessTokenRevoked(famJti)).resolves.toBe(true);
      });
    });

    describe('opaque access tokens', () => {
      it('round-trips an access token record exactly, with every optional field and JSON claims', async () => {
        const full = accessRecord({ familyId: id('fam'), claims: richClaims(), authTime: now() - 10, audience: ['https://a.example', 'https://b.example'] });
        const minimal = accessRecord({ audience: [] });
        await store().saveAccessToken(full);
        await store().saveAccessToken(minimal);
        await expect(store().findAccessToken(full.hash)).resolves.toEqual(full);
        const found = await store().findAccessToken(minimal.hash);
        expect(found).toEqual(minimal);
        expect(found?.familyId).toBeUndefined();
        expect(found?.claims).toBeUndefined();
      });

      it('an unknown access token is not found', async () => {
        await expect(store().findAccessToken(hash())).resolves.toBeUndefined();
      });

      it('access-token-expiry: an expired access token is gone', async () => {
        const t = now();
        const stale = accessRecord({ issuedAt: t - 600, expiresAt: t - 300 });
        await store().saveAccessToken(stale);
        await expect(store().findAccessToken(stale.hash)).resolves.toBeUndefined();

        const expiresAt = shortExpiry();
        const record = accessRecord({ expiresAt });
        await store().saveAccessToken(record);
        await expect(store().findAccessToken(record.hash)).resolves.toEqual(record);
        await passExpiry(expiresAt);
        await expect(store().findAccessToken(record.hash)).resolves.toBeUndefined();
      });
    });

    describe('counters', () => {
      it('increment counts up from 1 and getCounter reads without changing', async () => {
        const key = id('ctr');
        await expect(store().getCounter(key)).resolves.toBe(0);
        await expect(store().increment(key, 60)).resolves.toBe(1);
        await expect(store().increment(key, 60)).resolves.toBe(2);
        await expect(store().increment(key, 60)).resolves.toBe(3);
        await expect(store().getCounter(key)).resolves.toBe(3);
        await expect(store().getCounter(key)).resolves.toBe(3);
        await expect(store().getCounter(id('ctr'))).resolves.toBe(0);
      });

      it('resetCounter sets a counter back to 0 and the next increment starts at 1', async () => {
        const key = id('ctr');
        await store().increment(key, 60);
        await store().increment(key, 60);
        await store().resetCounter(key);
        await expect(store().getCounter(key)).resolves.toBe(0);
        await expect(store().increment(key, 60)).resolves.toBe(1);
        await store().resetCounter(id('ctr'));
      });

      it('counter-window: a counter ends windowSeconds after its first hit and later hits do not extend it', async () => {
        const key = id('ctr');
        const clock = subject?.clock;
        // Real time: a 1 s window, hits at 0 and 0.5 s, read at 1.05 s. Stores that count in whole seconds start
        // the window at the current second, so begin just after a tick.
        const window = clock ? 2 : 1;
        if (!clock) await sleep(1050 - (Date.now() % 1000));
        const start = Date.now();
        await expect(store().increment(key, window)).resolves.toBe(1);
        if (clock) clock.advance(1);
        else await sleep(Math.max(0, start + 500 - Date.now()));
        // A sliding window would now last until `window` seconds after this second hit.
        await expect(store().increment(key, window)).resolves.toBe(2);
        if (clock) clock.advance(1);
        else await sleep(Math.max(0, start + 1050 - Date.now()));
        await expect(store().getCounter(key)).resolves.toBe(0);
        await expect(store().increment(key, window)).resolves.toBe(1);
      });

      it('lockout-bypass: 50 parallel increments all count, each caller sees a distinct value', async () => {
        const key = id('ctr');
        const results = await Promise.all(Array.from({ length: PARALLEL }, () => store().increment(key, 60)));
        expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: PARALLEL }, (_, i) => i + 1));
        await expect(store().getCounter(key)).resolves.toBe(PARALLEL);
      });
    });
  });
}
