import { describe, expect, it } from 'vitest';
import { memoryStore, type Store } from '@tollgate/core';
import { expectError, expectTokens, issueCode, makeServer, passwordGrant, pkcePair, redeem, refresh } from '../helpers.js';

/**
 * Prevents double spending under concurrency: 20 simultaneous redemptions of one code, or 20 simultaneous
 * refreshes of one refresh token, produce exactly one success; every other request is invalid_grant.
 */
const N = 20;

/** memoryStore behind random delays, so that concurrent requests interleave between store calls. */
function jitteryStore(): Store {
  const inner = memoryStore();
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('races', () => {
  it(`${N} concurrent redemptions of one code: exactly one 200`, async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge });
    const results = await Promise.all(Array.from({ length: N }, () => redeem(server, { code, verifier: pair.verifier })));
    const winners = results.filter((result) => result.status === 200);
    expect(winners).toHaveLength(1);
    expectTokens(winners[0] as (typeof results)[number]);
    for (const loser of results.filter((result) => result.status !== 200)) expectError(loser, 400, 'invalid_grant');
  });

  it(`${N} concurrent refreshes of one refresh token: exactly one 200, the rest invalid_grant`, async () => {
    const server = makeServer();
    const start = expectTokens(await passwordGrant(server));
    const results = await Promise.all(Array.from({ length: N }, () => refresh(server, start.refresh_token)));
    const winners = results.filter((result) => result.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((result) => result.status !== 200)) expectError(loser, 400, 'invalid_grant');
    // A concurrent replay is reuse: the family, including the winner's new token, is revoked.
    expectError(await refresh(server, winners[0]?.json.refresh_token), 400, 'invalid_grant');
  });

  it.each([['code', 'redeem'], ['refresh token', 'refresh']])('one winner for a %s also when store calls interleave', async (_label, kind) => {
    const server = makeServer({ store: jitteryStore() });
    let attempts: Promise<Awaited<ReturnType<typeof redeem>>>[];
    if (kind === 'redeem') {
      const pair = pkcePair();
      const code = await issueCode(server, { challenge: pair.challenge });
      attempts = Array.from({ length: N }, () => redeem(server, { code, verifier: pair.verifier }));
    } else {
      const start = expectTokens(await passwordGrant(server));
      attempts = Array.from({ length: N }, () => refresh(server, start.refresh_token));
    }
    const results = await Promise.all(attempts);
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    for (const loser of results.filter((result) => result.status !== 200)) expectError(loser, 400, 'invalid_grant');
  });

  it('concurrent refreshes of different families do not interfere', async () => {
    const server = makeServer();
    // Sign-ins one after another: parallel sign-ins of one user are throttled by the lock-out (see
    // password-lockout-not-bypassed-by-concurrency); this test is about parallel refreshes.
    const starts = [];
    for (let index = 0; index < N; index += 1) starts.push(await passwordGrant(server));
    const results = await Promise.all(starts.map((start) => refresh(server, expectTokens(start).refresh_token)));
    for (const result of results) expectTokens(result);
  });
});
