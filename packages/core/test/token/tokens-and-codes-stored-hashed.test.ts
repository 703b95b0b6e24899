import { describe, expect, it } from 'vitest';
import { sha256 } from '@tollgate/core';
import { expectTokens, issueCode, makeServer, passwordGrant, pkcePair, redeem, refresh, SERVICE_SECRET, spyStore, token, USERS, WEB_SECRET } from '../helpers.js';

/**
 * Prevents token theft from a leaked store: codes, refresh tokens and opaque access tokens reach the store
 * only as SHA-256 hashes; plaintext tokens, client secrets and passwords never do. Every token has at least
 * 128 bits of randomness.
 */
function base64urlBits(value: string): number {
  return Buffer.from(value, 'base64url').length * 8;
}

describe('secrets never reach the store', () => {
  it.each([['jwt'], ['opaque']] as const)('not with %s access tokens', async (format) => {
    const { store, calls, seen } = spyStore();
    const server = makeServer({ store, accessToken: { format } });
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge });
    const redeemed = expectTokens(await redeem(server, { code, verifier: pair.verifier }));
    const rotated = expectTokens(await refresh(server, redeemed.refresh_token));
    const password = expectTokens(await passwordGrant(server));
    const wrongPassword = await passwordGrant(server, { username: 'bob', password: 'bobs-wrong-password-xyz' });
    expect(wrongPassword.status).toBe(400);
    const machine = expectTokens(await token(server, { grant_type: 'client_credentials', client_id: 'service', client_secret: SERVICE_SECRET }));
    // Reuse paths too.
    await redeem(server, { code, verifier: pair.verifier });
    await refresh(server, redeemed.refresh_token);

    const everything = seen();
    expect(calls.length).toBeGreaterThan(5);
    const secrets = [code, pair.verifier, redeemed.refresh_token, rotated.refresh_token, password.refresh_token, redeemed.access_token, rotated.access_token, password.access_token, machine.access_token, SERVICE_SECRET, WEB_SECRET, USERS.alice?.password, 'bobs-wrong-password-xyz'];
    for (const secret of secrets) {
      expect(secret).toBeTypeOf('string');
      expect(everything).not.toContain(secret as string);
    }
    // The secret halves of refresh tokens do not appear either.
    for (const refreshToken of [redeemed.refresh_token, rotated.refresh_token, password.refresh_token]) {
      expect(everything).not.toContain(String(refreshToken).split('.')[1]);
    }
    // What is stored is the hash.
    expect(everything).toContain(sha256(code));
    expect(everything).toContain(sha256(String(redeemed.refresh_token)));
    if (format === 'opaque') expect(everything).toContain(sha256(machine.access_token));
  });
});

describe('entropy', () => {
  it('authorization codes carry at least 128 bits and are base64url', async () => {
    const server = makeServer();
    const codes = await Promise.all(Array.from({ length: 50 }, () => issueCode(server)));
    for (const code of codes) {
      expect(code).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(base64urlBits(code)).toBeGreaterThanOrEqual(128);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('refresh tokens carry at least 128 random bits beyond the family id', async () => {
    const server = makeServer();
    const tokens: string[] = [];
    for (let index = 0; index < 20; index += 1) tokens.push(String(expectTokens(await passwordGrant(server)).refresh_token));
    for (const refreshToken of tokens) {
      const [family = '', secret = ''] = refreshToken.split('.');
      expect(family).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(secret).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(base64urlBits(secret)).toBeGreaterThanOrEqual(128);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(new Set(tokens.map((refreshToken) => refreshToken.split('.')[1])).size).toBe(tokens.length);
  });

  it('opaque access tokens carry at least 128 bits', async () => {
    const server = makeServer({ accessToken: { format: 'opaque' } });
    const body = expectTokens(await passwordGrant(server));
    expect(base64urlBits(body.access_token)).toBeGreaterThanOrEqual(128);
  });
});
