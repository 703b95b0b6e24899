import { afterEach, describe, expect, it, vi } from 'vitest';
import { s256Challenge } from '@tollgate/core';
import { expectError, expectTokens, issueCode, makeServer, OTHER_SECRET, pkcePair, redeem, verifyAccessToken } from '../helpers.js';

describe('authorization_code redemption (RFC 6749 §4.1.3, RFC 7636)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('redeems a code with the right S256 verifier for an access and a refresh token', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge, scope: ['orders:read', 'profile'], claims: { tenant: 'acme' } });
    const body = expectTokens(await redeem(server, { code, verifier: pair.verifier }));
    expect(body.refresh_token).toBeTypeOf('string');
    expect(body.scope).toBe('orders:read profile');
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload).toMatchObject({ sub: 'user-alice', client_id: 'web', scope: 'orders:read profile', tenant: 'acme' });
    expect(payload.auth_time).toBeTypeOf('number');
  });

  it('works for a public client authenticating with client_id only', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { clientId: 'spa', challenge: pair.challenge });
    const body = expectTokens(await redeem(server, { code, verifier: pair.verifier, client: 'spa' }));
    expect(body.refresh_token).toBeTypeOf('string');
  });

  it('answers invalid_grant for a wrong verifier', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge });
    expectError(await redeem(server, { code, verifier: pkcePair().verifier }), 400, 'invalid_grant');
  });

  it('answers invalid_grant when a code with a challenge is redeemed without a verifier', async () => {
    const server = makeServer();
    const code = await issueCode(server, { challenge: pkcePair().challenge });
    expectError(await redeem(server, { code }), 400, 'invalid_grant');
  });

  describe('code_verifier syntax (RFC 7636 §4.1: 43–128 unreserved characters)', () => {
    it.each([
      ['42 characters (too short)', 'a'.repeat(42)],
      ['129 characters (too long)', 'a'.repeat(129)],
      ['a plus sign', `${'a'.repeat(42)}+`],
      ['a slash', `${'a'.repeat(42)}/`],
      ['padding', `${'a'.repeat(42)}=`],
      ['a space', `${'a'.repeat(21)} ${'a'.repeat(21)}`],
      ['a non-ASCII letter', `${'a'.repeat(42)}é`],
    ])('answers invalid_request for a verifier with %s', async (_label, verifier) => {
      const server = makeServer();
      const code = await issueCode(server, { challenge: pkcePair().challenge });
      expectError(await redeem(server, { code, verifier }), 400, 'invalid_request', /code_verifier/);
    });

    it.each([
      ['43 characters', 'a'.repeat(43)],
      ['128 characters', 'b'.repeat(128)],
      ['every unreserved character', `${'A'.repeat(30)}az09-._~Z${'x'.repeat(5)}`],
    ])('accepts a verifier of %s', async (_label, verifier) => {
      const server = makeServer();
      const code = await issueCode(server, { challenge: s256Challenge(verifier) });
      expectTokens(await redeem(server, { code, verifier }));
    });
  });

  describe('redirect_uri must be identical to the one the code was issued for', () => {
    it.each([
      ['another registered URI', 'https://app.example.com/other-callback'],
      ['a trailing slash', 'https://app.example.com/callback/'],
      ['different case in the host', 'https://APP.example.com/callback'],
      ['an extra query', 'https://app.example.com/callback?x=1'],
      ['a percent-encoded path', 'https://app.example.com/%63allback'],
    ])('answers invalid_grant for %s', async (_label, redirectUri) => {
      const server = makeServer();
      const pair = pkcePair();
      const code = await issueCode(server, { challenge: pair.challenge });
      expectError(await redeem(server, { code, verifier: pair.verifier, redirectUri }), 400, 'invalid_grant');
    });

    it('answers invalid_grant when redirect_uri is left out and the client has several', async () => {
      const server = makeServer();
      const pair = pkcePair();
      const code = await issueCode(server, { challenge: pair.challenge });
      expectError(await redeem(server, { code, verifier: pair.verifier, redirectUri: null }), 400, 'invalid_grant');
    });
  });

  it('answers invalid_request when code is missing, invalid_grant for an unknown code', async () => {
    const server = makeServer();
    expectError(await redeem(server, { code: '' }), 400, 'invalid_request', /code/);
    expectError(await redeem(server, { code: 'not-a-code-we-issued-0123456789abcdefghijk' }), 400, 'invalid_grant');
  });

  it('expires: a code past its lifetime is invalid_grant', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge, lifetime: 30 });
    vi.setSystemTime(new Date('2030-01-01T00:00:31Z'));
    expectError(await redeem(server, { code, verifier: pair.verifier }), 400, 'invalid_grant');
  });

  it('issues no refresh token to a client that may not refresh', async () => {
    const server = makeServer();
    const pair = pkcePair();
    const code = await issueCode(server, { clientId: 'no-refresh', challenge: pair.challenge });
    const body = expectTokens(await redeem(server, { code, verifier: pair.verifier, client: ['no-refresh', OTHER_SECRET], redirectUri: null }));
    expect(body).not.toHaveProperty('refresh_token');
  });
});
