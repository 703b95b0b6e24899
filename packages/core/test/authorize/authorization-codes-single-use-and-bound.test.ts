import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authParams, authorizeUrl, Browser, CALLBACK, claimsOf, expectCodeRedirect, makeServer, obtainCode, OTHER_CALLBACK, pkce, redeem, sha256, signedInBrowser, spyStore, WEB_SECRET } from './helpers.js';

const START = new Date('2030-01-01T00:00:00Z');
const startSeconds = Math.floor(START.getTime() / 1000);

describe('authorization codes', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are single use: a second redemption fails and revokes the first one’s tokens', async () => {
    const server = makeServer();
    const pair = pkce();
    const code = await obtainCode(server, authParams('spa', {}, pair));
    const first = await redeem(server, { code, verifier: pair.verifier });
    expect(first.status).toBe(200);
    const second = await redeem(server, { code, verifier: pair.verifier });
    expect(second).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    // RFC 6749 §4.1.2: the refresh token from the first redemption stops working.
    const refresh = await server.handle({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(first.json.refresh_token), client_id: 'spa' }).toString(),
    });
    expect(refresh.status).toBe(400);
    expect(JSON.parse(refresh.body)).toMatchObject({ error: 'invalid_grant' });
  });

  it('live 60 seconds by default', async () => {
    const { store, saved } = spyStore();
    const server = makeServer({ store });
    const pair = pkce();
    const code = await obtainCode(server, authParams('spa', {}, pair));
    expect(saved).toHaveLength(1);
    expect((saved[0]?.expiresAt ?? 0) - (saved[0]?.issuedAt ?? 0)).toBe(60);

    vi.setSystemTime(START.getTime() + 59_000);
    const code2 = await obtainCode(server, authParams('spa', {}, pair));
    // 61 s after it was issued, the first code is dead…
    vi.setSystemTime(START.getTime() + 61_000);
    expect(await redeem(server, { code, verifier: pair.verifier })).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    // …while one issued 59 s ago still works.
    vi.setSystemTime(START.getTime() + 59_000 + 59_000);
    expect((await redeem(server, { code: code2, verifier: pair.verifier })).status).toBe(200);
  });

  it('follow authorize.codeLifetime', async () => {
    const server = makeServer({ authorize: { codeLifetime: 600 } });
    const pair = pkce();
    const code = await obtainCode(server, authParams('spa', {}, pair));
    vi.setSystemTime(START.getTime() + 599_000);
    expect((await redeem(server, { code, verifier: pair.verifier })).status).toBe(200);
    const late = await obtainCode(server, authParams('spa', {}, pair));
    vi.setSystemTime(START.getTime() + 599_000 + 601_000);
    expect((await redeem(server, { code: late, verifier: pair.verifier })).status).toBe(400);
  });

  it('are bound to the client', async () => {
    const server = makeServer();
    const pair = pkce();
    const code = await obtainCode(server, authParams('spa', {}, pair));
    const stolen = await redeem(server, { code, clientId: 'first', verifier: pair.verifier });
    expect(stolen).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect(stolen.json.access_token).toBeUndefined();
  });

  it('are bound to the redirect URI', async () => {
    const server = makeServer();
    const pair = pkce();
    const code = await obtainCode(server, authParams('web', { redirect_uri: OTHER_CALLBACK }, pair));
    const wrong = await redeem(server, { code, clientId: 'web', secret: WEB_SECRET, redirectUri: CALLBACK, verifier: pair.verifier });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toBe('invalid_grant');
  });

  it('redeem with the redirect URI of the authorization request', async () => {
    const server = makeServer();
    const pair = pkce();
    const code = await obtainCode(server, authParams('web', { redirect_uri: OTHER_CALLBACK }, pair));
    expect((await redeem(server, { code, clientId: 'web', secret: WEB_SECRET, redirectUri: OTHER_CALLBACK, verifier: pair.verifier })).status).toBe(200);
  });

  it('are bound to the PKCE challenge', async () => {
    const server = makeServer();
    const pair = pkce();
    const code = await obtainCode(server, authParams('spa', {}, pair));
    expect((await redeem(server, { code, verifier: `${pair.verifier}x` })).json.error).toBe('invalid_grant');
  });

  it('are bound to the scope and the user', async () => {
    const server = makeServer();
    const pair = pkce();
    const browser = new Browser(server);
    const signIn = await browser.get(authorizeUrl(authParams('spa', { scope: 'profile orders:write' }, pair)));
    const consent = await browser.signIn(signIn, 'bob');
    const code = expectCodeRedirect(await browser.submit(consent, { decision: 'approve' }), { status: 303 });
    const tokens = await redeem(server, { code, verifier: pair.verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.json.scope).toBe('profile orders:write');
    const claims = claimsOf(tokens.json.access_token);
    expect(claims.sub).toBe('user-bob');
    expect(claims.scope).toBe('profile orders:write');
    expect(claims.client_id).toBe('spa');
    expect(claims.email).toBe('bob@example.com');
  });

  it('are bound to the time of sign-in: auth_time is when the user signed in, not when the code was issued', async () => {
    const server = makeServer();
    const pair = pkce();
    const browser = new Browser(server);
    const signIn = await browser.get(authorizeUrl(authParams('first', {}, pair)));
    vi.setSystemTime(START.getTime() + 5_000);
    const signInSeconds = startSeconds + 5;
    const first = expectCodeRedirect(await browser.signIn(signIn), { status: 303 });
    expect(claimsOf((await redeem(server, { code: first, clientId: 'first', verifier: pair.verifier })).json.access_token).auth_time).toBe(signInSeconds);

    // An hour later the session is reused: auth_time still says when the user signed in.
    vi.setSystemTime(START.getTime() + 3_600_000);
    const later = expectCodeRedirect(await browser.get(authorizeUrl(authParams('first', {}, pair))));
    const claims = claimsOf((await redeem(server, { code: later, clientId: 'first', verifier: pair.verifier })).json.access_token);
    expect(claims.auth_time).toBe(signInSeconds);
    expect(claims.iat).toBe(startSeconds + 3600);
  });

  it('carry the auth_time resolveUser reports', async () => {
    const server = makeServer({ authorize: { resolveUser: async () => ({ subject: 'u1', authTime: startSeconds - 1234 }) } });
    const pair = pkce();
    const code = expectCodeRedirect(await new Browser(server).get(authorizeUrl(authParams('first', {}, pair))));
    const claims = claimsOf((await redeem(server, { code, clientId: 'first', verifier: pair.verifier })).json.access_token);
    expect(claims.auth_time).toBe(startSeconds - 1234);
    expect(claims.sub).toBe('u1');
  });

  it('are stored hashed: the store never sees the code', async () => {
    const { store, saved, calls } = spyStore();
    const server = makeServer({ store });
    const pair = pkce();
    const code = await obtainCode(server, authParams('spa', {}, pair));
    await redeem(server, { code, verifier: pair.verifier });
    expect(saved).toHaveLength(1);
    expect(saved[0]?.hash).toBe(sha256(code));
    expect(JSON.stringify(calls)).not.toContain(code);
    expect(saved[0]).toMatchObject({ clientId: 'spa', redirectUri: CALLBACK, codeChallenge: pair.challenge, codeChallengeMethod: 'S256', scope: 'openid orders:read', subject: 'user-alice' });
    expect(JSON.stringify(calls)).not.toContain(pair.verifier);
  });

  it('are different every time', async () => {
    const server = makeServer();
    const browser = await signedInBrowser(server);
    const codes = new Set<string>();
    for (let i = 0; i < 20; i += 1) codes.add(expectCodeRedirect(await browser.get(authorizeUrl(authParams('first')))));
    expect(codes.size).toBe(20);
  });
});
